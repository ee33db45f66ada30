using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Gateway.Host.Tests.Economy;

/// <summary>
/// (Copied from tests/Gateway.Accounting.Tests/Support/RedisServer.cs: test projects do not reference each other.)
/// A real <c>redis-server</c> as a child process on a free loopback port, without persistence; can be killed, paused and restarted on
/// the same port. A machine without redis-server fails the tests that need it, with the install command, instead of skipping them.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private static readonly string[] Candidates = ["/usr/bin/redis-server", "/usr/local/bin/redis-server", "/usr/sbin/redis-server"];
    private Process? _process;

    public RedisServer(string? password = null)
    {
        Port = FreePort();
        Password = password;
    }

    public int Port { get; }
    public string? Password { get; }
    public string Url => Password is null ? $"redis://127.0.0.1:{Port}" : $"redis://:{Uri.EscapeDataString(Password)}@127.0.0.1:{Port}";
    public bool IsRunning => _process is { HasExited: false };

    public static string Executable()
    {
        foreach (var c in Candidates) if (File.Exists(c)) return c;
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var p = Path.Combine(dir, "redis-server");
            if (File.Exists(p)) return p;
        }
        throw new InvalidOperationException(
            "redis-server not found (looked in /usr/bin, /usr/local/bin and PATH). These tests run a real Redis: install it with " +
            "`sudo apt-get install redis-server` (tests/run.sh does this on a fresh machine).");
    }

    public static async Task<RedisServer> StartNewAsync(string? password = null)
    {
        var s = new RedisServer(password);
        await s.StartAsync();
        return s;
    }

    public async Task StartAsync()
    {
        if (IsRunning) return;
        var psi = new ProcessStartInfo(Executable())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no", "--protected-mode", "no" })
            psi.ArgumentList.Add(a);
        if (Password is not null)
        {
            psi.ArgumentList.Add("--requirepass");
            psi.ArgumentList.Add(Password);
        }
        _process = Process.Start(psi) ?? throw new InvalidOperationException("redis-server did not start");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var until = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < until)
        {
            if (_process.HasExited) throw new InvalidOperationException($"redis-server exited at start (code {_process.ExitCode}) on port {Port}");
            try
            {
                using var c = new TcpClient();
                await c.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(20);
            }
        }
        throw new TimeoutException($"redis-server did not accept connections on port {Port} within 10 s");
    }

    /// <summary>SIGKILL: the server vanishes as in a crash.</summary>
    public void Kill()
    {
        if (_process is null) return;
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException) { }
        _process.Dispose();
        _process = null;
    }

    /// <summary>SIGSTOP / SIGCONT: the server keeps its connections but stops answering (a slow or hung Redis).</summary>
    public void Pause() => Signal("STOP");
    public void Resume() => Signal("CONT");

    private void Signal(string name)
    {
        if (_process is null) return;
        using var kill = Process.Start("kill", ["-" + name, _process.Id.ToString()]);
        kill.WaitForExit(5000);
    }

    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    public ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false }) Resume();
        Kill();
        return ValueTask.CompletedTask;
    }
}
