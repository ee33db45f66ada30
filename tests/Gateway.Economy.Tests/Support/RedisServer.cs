using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Gateway.Economy.Tests.Support;

/// <summary>
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

    /// <summary>
    /// A server on a fresh free port. The port is only reserved until it is released for redis-server to bind it: another process
    /// (a parallel test's listener, an outgoing connection) can take it in between, and then the server cannot start there; the
    /// next free port is tried instead.
    /// </summary>
    public static async Task<RedisServer> StartNewAsync(string? password = null)
    {
        const int attempts = 5;
        for (var attempt = 1; ; attempt++)
        {
            var s = new RedisServer(password);
            try
            {
                await s.StartAsync();
                return s;
            }
            catch (RedisStartException) when (attempt < attempts)
            {
                await s.DisposeAsync();
            }
        }
    }

    /// <summary>Starts redis-server on <see cref="Port"/> and returns once it answers PING there (bounded; generous for a loaded machine).</summary>
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
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        void Keep(string? line)
        {
            if (line is null) return;
            output.Enqueue(line);
            while (output.Count > 20) output.TryDequeue(out _);
        }
        _process = Process.Start(psi) ?? throw new InvalidOperationException("redis-server did not start");
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var until = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < until)
        {
            if (_process.HasExited)
            {
                _process.WaitForExit(); // flushes the output handlers
                throw new RedisStartException($"redis-server exited at start (code {_process.ExitCode}) on port {Port}:\n{string.Join("\n", output)}");
            }
            // A PING, not just a TCP connect: something else listening on the port must not pass for our server.
            if (await AnswersPingAsync()) return;
            await Task.Delay(20);
        }
        throw new TimeoutException($"redis-server did not answer PING on port {Port} within 30 s:\n{string.Join("\n", output)}");
    }

    /// <summary>Whether a Redis server answers on the port (+PONG, or -NOAUTH when a password is required).</summary>
    private async Task<bool> AnswersPingAsync()
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            using var c = new TcpClient();
            await c.ConnectAsync(IPAddress.Loopback, Port, cts.Token);
            var stream = c.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray(), cts.Token);
            var buffer = new byte[64];
            var read = await stream.ReadAsync(buffer, cts.Token);
            var reply = System.Text.Encoding.ASCII.GetString(buffer, 0, read);
            return reply.StartsWith("+PONG", StringComparison.Ordinal) || reply.StartsWith("-NOAUTH", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
        {
            return false;
        }
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

    /// <summary>
    /// <c>CLIENT PAUSE ms ALL</c>: the server keeps its connections and stops answering every client's commands for
    /// <paramref name="duration"/>, then resumes by itself (a hung Redis that comes back on a known schedule). Returns once the
    /// server acknowledged the pause.
    /// </summary>
    public async Task PauseClientsAsync(TimeSpan duration)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var c = new TcpClient();
        await c.ConnectAsync(IPAddress.Loopback, Port, cts.Token);
        var stream = c.GetStream();
        var ms = ((long)duration.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var auth = Password is null ? "" : $"*2\r\n$4\r\nAUTH\r\n${System.Text.Encoding.UTF8.GetByteCount(Password)}\r\n{Password}\r\n";
        var command = $"{auth}*4\r\n$6\r\nCLIENT\r\n$5\r\nPAUSE\r\n${ms.Length}\r\n{ms}\r\n$3\r\nALL\r\n";
        await stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(command), cts.Token);
        var expected = Password is null ? 1 : 2;
        var replies = "";
        var buffer = new byte[256];
        while (replies.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length < expected)
        {
            var read = await stream.ReadAsync(buffer, cts.Token);
            if (read == 0) break;
            replies += System.Text.Encoding.ASCII.GetString(buffer, 0, read);
        }
        if (replies.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).LastOrDefault() != "+OK")
            throw new InvalidOperationException($"CLIENT PAUSE was not acknowledged: {replies.Trim()}");
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

/// <summary>redis-server could not start on its port (typically: the port was taken meanwhile).</summary>
public sealed class RedisStartException(string message) : InvalidOperationException(message);

/// <summary>One Redis server shared by the contract tests of a class (each test uses its own keys).</summary>
public sealed class RedisServerFixture : IAsyncLifetime
{
    public RedisServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await RedisServer.StartNewAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
