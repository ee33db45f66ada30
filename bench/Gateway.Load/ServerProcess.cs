using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Gateway.Load;

/// <summary>
/// One published server (gateway or simulator) as its own process on a loopback port. Output goes to a log file
/// through the shell, so the tool spends no CPU draining pipes while it measures.
/// </summary>
public sealed class ServerProcess : IMeasuredProcess, IAsyncDisposable
{
    private readonly Process _process;

    private ServerProcess(string name, Process process, Uri baseUrl, string logPath)
    {
        Name = name;
        _process = process;
        BaseUrl = baseUrl;
        LogPath = logPath;
    }

    public string Name { get; }
    public Uri BaseUrl { get; }
    public string LogPath { get; }
    public int Pid => _process.Id;

    /// <summary>Starts <c>dotnet DLL --urls http://127.0.0.1:PORT</c> and returns once <paramref name="healthPath"/> answers 200.</summary>
    public static async Task<ServerProcess> StartAsync(
        string name, string dll, IReadOnlyDictionary<string, string> environment, string healthPath, string logPath, CancellationToken ct)
    {
        if (!File.Exists(dll)) throw new FileNotFoundException($"{name}: {dll} not found (publish first, or drop --no-publish).");
        var port = FreePort();
        var url = $"http://127.0.0.1:{port}";
        Directory.CreateDirectory(Path.GetDirectoryName(logPath)!);

        // exec: the shell becomes dotnet, so the pid we hold is the server's (for VmRSS and for stopping it).
        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, WorkingDirectory = Path.GetDirectoryName(dll)! };
        foreach (var a in new[] { "-c", "exec \"$0\" \"$1\" --urls \"$2\" >\"$3\" 2>&1", DotnetHost.Path, dll, url, logPath })
            psi.ArgumentList.Add(a);
        foreach (var (k, v) in environment) psi.Environment[k] = v;
        var process = Process.Start(psi) ?? throw new InvalidOperationException($"{name}: cannot start.");
        var server = new ServerProcess(name, process, new Uri(url), logPath);

        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (process.HasExited)
                throw new InvalidOperationException($"{name} exited ({process.ExitCode}) during start-up:\n{Tail(logPath)}");
            try
            {
                using var r = await probe.GetAsync(new Uri(server.BaseUrl, healthPath), ct);
                if (r.StatusCode == HttpStatusCode.OK) return server;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested) { }
            await Task.Delay(100, ct);
        }
        await server.DisposeAsync();
        throw new TimeoutException($"{name} did not answer {healthPath} within 60 s:\n{Tail(logPath)}");
    }

    /// <summary>Resident and peak resident memory from /proc/PID/status (kB), or null off Linux or after exit.</summary>
    public (long RssKb, long PeakKb)? Memory() => ProcStat.Status(Pid) is { } s ? (s.RssKb, s.PeakKb) : null;

    /// <summary>VmRSS, VmHWM and thread count, or null after exit.</summary>
    public (long RssKb, long PeakKb, int Threads)? Status() => ProcStat.Status(Pid);

    /// <summary>User + system CPU time the process has used so far (/proc/PID/stat, clock ticks of 10 ms), or zero off Linux.</summary>
    public TimeSpan CpuTime() => ProcStat.CpuTime(Pid);

    public async ValueTask DisposeAsync()
    {
        if (_process.HasExited) { _process.Dispose(); return; }
        // SIGTERM first, so the host shuts down as it would in production; kill if it does not within 5 s.
        try
        {
            using var term = Process.Start("kill", ["-TERM", Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            if (term is not null) await term.WaitForExitAsync();
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _process.WaitForExitAsync(wait.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or System.ComponentModel.Win32Exception)
        {
            _process.Kill();
        }
        _process.Dispose();
    }

    internal static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private static string Tail(string path) =>
        File.Exists(path) ? string.Join('\n', File.ReadLines(path).TakeLast(20)) : "(no log)";
}
