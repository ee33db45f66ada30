using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Gateway.Load;

/// <summary>
/// One nginx (master + workers) in the foreground as a child of the tool, with its own config, pid file, logs and temp
/// directories under <c>dir</c>; nothing outside it is written. Ports are loopback ones picked free just before the start
/// (retried on a bind race). CPU and memory are master + workers.
/// </summary>
public sealed class NginxProcess : IMeasuredProcess, IAsyncDisposable
{
    private readonly Process _process;

    private NginxProcess(string name, Process process, IReadOnlyList<int> ports, string dir)
    {
        Name = name;
        _process = process;
        Ports = ports;
        Directory = dir;
    }

    public string Name { get; }
    public IReadOnlyList<int> Ports { get; }
    public string Directory { get; }
    public int Pid => _process.Id;

    public Uri Url(int port) => new($"http://127.0.0.1:{Ports[port]}/");

    /// <summary>
    /// Writes <c>dir/nginx.conf</c> = the common head (daemon off, pid, error log, temp paths, keep-alive without limits) plus
    /// <paramref name="http"/>(ports) inside <c>http { }</c>, starts <c>nginx -p dir/ -e dir/error.log -c dir/nginx.conf</c> and
    /// returns once every port accepts connections.
    /// </summary>
    public static async Task<NginxProcess> StartAsync(string name, string nginx, string dir, int portCount, int workers,
        Func<IReadOnlyList<int>, string> http, CancellationToken ct)
    {
        if (!File.Exists(nginx)) throw new FileNotFoundException($"{name}: nginx not found at {nginx} (--nginx PATH).");
        System.IO.Directory.CreateDirectory(dir);
        // Workers run as nobody when the tool runs as root: let them into the temp directories.
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                                      UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        for (var attempt = 1; ; attempt++)
        {
            var ports = Enumerable.Range(0, portCount).Select(_ => ServerProcess.FreePort()).ToArray();
            var conf = Path.Combine(dir, "nginx.conf");
            var errorLog = Path.Combine(dir, "error.log");
            File.WriteAllText(conf, Head(dir, workers) + "http {\n" + Common(dir) + http(ports) + "}\n");
            if (File.Exists(errorLog)) File.Delete(errorLog);

            var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, WorkingDirectory = dir };
            foreach (var a in new[] { "-c", "exec \"$0\" -p \"$1/\" -e \"$2\" -c \"$3\" >\"$1/stdout.log\" 2>&1", nginx, dir, errorLog, conf })
                psi.ArgumentList.Add(a);
            var process = Process.Start(psi) ?? throw new InvalidOperationException($"{name}: cannot start nginx.");
            var server = new NginxProcess(name, process, ports, dir);

            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromSeconds(10) && !process.HasExited && !ports.All(Accepts))
                await Task.Delay(50, ct);
            if (!process.HasExited && ports.All(Accepts)) return server;

            var log = (File.Exists(errorLog) ? File.ReadAllText(errorLog) : "") + Tail(Path.Combine(dir, "stdout.log"));
            await server.DisposeAsync();
            if (attempt < 3 && log.Contains("Address already in use", StringComparison.Ordinal)) continue;
            throw new InvalidOperationException($"{name}: nginx did not start (config {conf}):\n{log}");
        }
    }

    /// <summary>nginx quoting of a literal for a single-quoted parameter; <c>$</c> would start a variable, so it is refused.</summary>
    public static string Quote(string literal)
    {
        if (literal.Contains('$')) throw new ArgumentException("nginx cannot carry a literal '$' in a return text.");
        var sb = new StringBuilder(literal.Length + 16).Append('\'');
        foreach (var c in literal)
        {
            switch (c)
            {
                case '\\': sb.Append(@"\\"); break;
                case '\'': sb.Append(@"\'"); break;
                case '\n': sb.Append(@"\n"); break;
                case '\r': sb.Append(@"\r"); break;
                case '\t': sb.Append(@"\t"); break;
                default: sb.Append(c); break;
            }
        }
        return sb.Append('\'').ToString();
    }

    /// <summary>
    /// A fixed text longer than nginx's 4 KB limit on one config parameter: <c>map</c> variables of at most ~1.5 KB each
    /// (<c>map "" $NAME_i { default '...'; }</c>) and the expression that joins them (<c>"$NAME_0$NAME_1..."</c>).
    /// </summary>
    public static (string Maps, string Expression) LongText(string name, string text)
    {
        var maps = new StringBuilder();
        var expression = new StringBuilder("\"");
        for (int i = 0, at = 0; at < text.Length; i++, at += 1500)
        {
            maps.Append(CultureInfo.InvariantCulture, $"    map \"\" ${name}_{i} {{ default {Quote(text.Substring(at, Math.Min(1500, text.Length - at)))}; }}\n");
            expression.Append(CultureInfo.InvariantCulture, $"${name}_{i}");
        }
        return (maps.ToString(), expression.Append('"').ToString());
    }

    private static string Head(string dir, int workers) => $"""
        daemon off;
        master_process on;
        worker_processes {workers};
        pid {dir}/nginx.pid;
        error_log {dir}/error.log warn;
        events {"{"} worker_connections 8192; {"}"}

        """;

    private static string Common(string dir) => $"""
            access_log off;
            server_tokens off;
            client_body_temp_path {dir}/client_body;
            proxy_temp_path {dir}/proxy;
            fastcgi_temp_path {dir}/fastcgi;
            uwsgi_temp_path {dir}/uwsgi;
            scgi_temp_path {dir}/scgi;
            client_body_buffer_size 64k;
            keepalive_requests 1000000;
            keepalive_timeout 300s;

        """;

    private static bool Accepts(int port)
    {
        try
        {
            using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            s.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException) { return false; }
    }

    public TimeSpan CpuTime() => ProcStat.Children(Pid).Aggregate(ProcStat.CpuTime(Pid), (t, c) => t + ProcStat.CpuTime(c));

    public (long RssKb, long PeakKb)? Memory()
    {
        if (ProcStat.Status(Pid) is not { } master) return null;
        long rss = master.RssKb, peak = master.PeakKb;
        foreach (var c in ProcStat.Children(Pid))
            if (ProcStat.Status(c) is { } w) { rss += w.RssKb; peak += w.PeakKb; }
        return (rss, peak);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // SIGTERM: nginx's fast shutdown (master stops its workers); kill the tree if that takes over 5 s.
            try
            {
                using var term = Process.Start("kill", ["-TERM", Pid.ToString(CultureInfo.InvariantCulture)]);
                if (term is not null) await term.WaitForExitAsync();
                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _process.WaitForExitAsync(wait.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or System.ComponentModel.Win32Exception)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        _process.Dispose();
    }

    private static string Tail(string path) =>
        File.Exists(path) ? string.Join('\n', File.ReadLines(path).TakeLast(20)) : "";
}
