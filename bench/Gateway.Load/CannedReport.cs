using System.Globalization;
using System.Text;

namespace Gateway.Load;

/// <summary>
/// The markdown section of <c>--mode canned</c>: a summary (one row per figure, each with the command that reproduces it alone),
/// then the tables of each phase. Appended to bench/RESULTS.md like <see cref="ResultsReport"/>'s sections.
/// </summary>
public static class CannedReport
{
    public sealed record Input(
        LoadOptions Options, MachineFacts Machine, string NginxVersion, DateTimeOffset When, Func<string?, string> Command, string Notes,
        IReadOnlyList<CannedMode.ThroughputRun> Throughput,
        IReadOnlyList<CannedMode.Pair<OpenLoopSamples>> FixedRate,
        CannedMode.Pair<ScenarioSamples>? Ttfb,
        StreamMemory.Result? Memory,
        IReadOnlyList<ResultsReport.Memory> EndMemory);

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Build(Input x)
    {
        var o = x.Options;
        var sb = new StringBuilder();
        sb.AppendLine(Inv, $"## {x.When:yyyy-MM-dd HH:mm} UTC — {(o.Label is { Length: > 0 } l ? l : "gateway versus a plain nginx hop (canned upstream)")}");
        sb.AppendLine();
        sb.AppendLine(Inv, $"- Machine: {x.Machine}, {x.NginxVersion}");
        sb.AppendLine(Inv, $"- Command: `{x.Command(null)}` (phases: {string.Join(", ", LoadOptions.Phases.Where(o.Only.Contains))})");
        sb.AppendLine(Inv, $"- Targets: a **canned upstream** (nginx, {o.NginxWorkers} workers, `return 200` of a fixed Messages answer: JSON on one port, SSE on another); " +
                           $"the **nginx hop** (nginx, {o.NginxWorkers} workers, `proxy_pass` to it over HTTP/1.1 with a keep-alive pool, `proxy_buffering off` for SSE) " +
                           $"and the **gateway** (Production, `ANTHROPIC_BASE_URL` = the canned upstream; one process per answer) get the same OpenAI request bytes; " +
                           $"the hop passes them on unchanged, the gateway translates them (and its answers back). nginx has `access_log off`; the gateway writes its " +
                           $"Production request log (one JSON line per request, to a file under bench/.out/logs). CPU per request counts each block until the " +
                           $"processes are quiet again (the gateway's log is written after the answer).");
        if (x.Notes.Length > 0) sb.AppendLine(Inv, $"- {x.Notes}");
        if (o.Only.Contains("throughput"))
            sb.AppendLine(Inv, $"- Throughput: {o.Concurrency} connections / workers, {o.Requests} measured requests per scenario and run after {o.Warmup} warm-up, hop and gateway alternating in ABBA blocks of {o.Block}, {o.Runs} runs.");
        if (o.Only.Contains("fixed-rate"))
            sb.AppendLine(Inv, $"- Fixed rate: open loop at {o.Rate} req/s (latency from the scheduled send time), {o.RateSeconds} s per side and mode in four blocks each (ABBA ABBA) after {o.RateWarmupSeconds} s unmeasured, up to {o.RateConnections} connections.");
        if (o.Only.Contains("ttfb"))
            sb.AppendLine(Inv, $"- TTFB: streams, 1 connection, {o.TtfbRequests} requests per side after 50 warm-up, alternating in blocks of 50.");
        if (o.Only.Contains("memory"))
            sb.AppendLine(Inv, $"- Memory: a fresh gateway in front of the simulator; idle = after start-up, 20 requests and {o.SettleSeconds} s settle (median of 5 readings); then {o.Streams} concurrent slow streams (`[[sim:slow MS]]`, ~{o.StreamSeconds} s each).");
        sb.AppendLine();

        Summary(sb, x);
        if (x.Throughput.Count > 0) Throughput(sb, x.Throughput);
        if (x.FixedRate.Count > 0) FixedRate(sb, x.FixedRate, o.Rate);
        if (x.Ttfb is { } t) Ttfb(sb, t);
        if (x.Memory is { } m) Memory(sb, m);
        if (x.EndMemory.Count > 0)
        {
            sb.AppendLine("### Memory of the canned-phase processes at their end");
            sb.AppendLine();
            sb.AppendLine("| process | VmRSS MiB | VmHWM (peak) MiB |");
            sb.AppendLine("| --- | ---: | ---: |");
            foreach (var e in x.EndMemory) sb.AppendLine(Inv, $"| {e.Name} | {e.RssKb / 1024.0:0.0} | {e.PeakKb / 1024.0:0.0} |");
            sb.AppendLine();
        }
        return sb.ToString();
    }

    private static void Summary(StringBuilder sb, Input x)
    {
        sb.AppendLine("### Summary");
        sb.AppendLine();
        sb.AppendLine("| what | nginx hop | gateway | gateway vs hop | reproduce |");
        sb.AppendLine("| --- | ---: | ---: | ---: | --- |");
        void Row(string what, string hop, string gateway, string versus, string phase) =>
            sb.AppendLine(Inv, $"| {what} | {hop} | {gateway} | {versus} | `{x.Command(phase)}` |");

        foreach (var stream in new[] { false, true })
        {
            var pairs = x.Throughput.SelectMany(r => r.Pairs).Where(p => p.Hop.Scenario.Stream == stream).ToList();
            if (pairs.Count == 0) continue;
            var mode = stream ? "stream" : "non-stream";
            var hop = Combined(pairs.Select(p => p.Hop));
            var gw = Combined(pairs.Select(p => p.Gateway));
            Row($"throughput, {mode}, {x.Options.Concurrency} connections (req/s, all runs)", F0(hop.Rps), F0(gw.Rps), $"{gw.Rps / hop.Rps:0.00}x", "throughput");
            Row($"latency p50 / p99, {mode}, {x.Options.Concurrency} connections (ms)", $"{hop.Lat.P50:0.00} / {hop.Lat.P99:0.00}", $"{gw.Lat.P50:0.00} / {gw.Lat.P99:0.00}",
                $"{gw.Lat.P50 - hop.Lat.P50:+0.00;-0.00} / {gw.Lat.P99 - hop.Lat.P99:+0.00;-0.00} ms", "throughput");
            Row($"CPU per request, {mode} (ms: the hop's nginx / the gateway)", $"{hop.Cpu(CannedMode.HopKey):0.000}", $"{gw.Cpu(CannedMode.GatewayKey):0.000}",
                $"{gw.Cpu(CannedMode.GatewayKey) / hop.Cpu(CannedMode.HopKey):0.0}x", "throughput");
        }
        foreach (var p in x.FixedRate)
        {
            var mode = p.Hop.Scenario.Stream ? "stream" : "non-stream";
            var h = LatencySummary.From(p.Hop.Latency);
            var g = LatencySummary.From(p.Gateway.Latency);
            Row($"fixed {x.Options.Rate} req/s, {mode}: p99 (ms; achieved req/s)", $"{h.P99:0.00} ({p.Hop.Achieved:0})", $"{g.P99:0.00} ({p.Gateway.Achieved:0})",
                $"**{g.P99 - h.P99:+0.00;-0.00} ms** added p99", "fixed-rate");
        }
        if (x.Ttfb is { } t)
        {
            var h = LatencySummary.From(t.Hop.FirstByte);
            var g = LatencySummary.From(t.Gateway.FirstByte);
            Row("stream TTFB p50 / p99, 1 connection (ms)", $"{h.P50:0.00} / {h.P99:0.00}", $"{g.P50:0.00} / {g.P99:0.00}",
                $"**{g.P50 - h.P50:+0.00;-0.00} / {g.P99 - h.P99:+0.00;-0.00} ms** added", "ttfb");
        }
        if (x.Memory is { } m)
        {
            Row("gateway VmRSS idle (MiB)", "–", $"{m.IdleRssKb / 1024.0:0.0}", "–", "memory");
            Row($"gateway VmRSS with {m.OpenAtSampling} slow streams open (MiB, median of {m.Samples})", "–", $"{m.OpenRssMedianKb / 1024.0:0.0}",
                $"+{(m.OpenRssMedianKb - m.IdleRssKb) / 1024.0:0.0} MiB, {(m.OpenRssMedianKb - m.IdleRssKb) / (double)Math.Max(1, m.OpenAtSampling):0.0} KiB per stream", "memory");
        }
        sb.AppendLine();
    }

    private static void Throughput(StringBuilder sb, IReadOnlyList<CannedMode.ThroughputRun> runs)
    {
        sb.AppendLine("### Throughput, closed loop: gateway versus nginx hop per run");
        sb.AppendLine();
        sb.AppendLine("| run | mode | hop req/s | gateway req/s | throughput ratio | hop p50 | gateway p50 | added p50 | hop p99 | gateway p99 | added p99 |");
        sb.AppendLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var run in runs)
        foreach (var p in run.Pairs)
        {
            var h = LatencySummary.From(p.Hop.Latency);
            var g = LatencySummary.From(p.Gateway.Latency);
            sb.AppendLine(Inv, $"| {run.Number} | {(p.Hop.Scenario.Stream ? "stream" : "non-stream")} | {p.Hop.Throughput:0} | {p.Gateway.Throughput:0} | {p.Gateway.Throughput / p.Hop.Throughput:0.00}x | " +
                               $"{h.P50:0.00} | {g.P50:0.00} | {g.P50 - h.P50:+0.00;-0.00} | {h.P99:0.00} | {g.P99:0.00} | {g.P99 - h.P99:+0.00;-0.00} |");
        }
        sb.AppendLine();
        foreach (var run in runs)
        {
            sb.AppendLine(Inv, $"#### Run {run.Number}");
            sb.AppendLine();
            sb.AppendLine("| scenario | ok | errors | req/s | p50 ms | p90 ms | p99 ms | max ms | TTFB p50 ms | TTFB p99 ms | gateway CPU ms/req | nginx hop CPU ms/req | canned upstream CPU ms/req | upstream connections opened |");
            sb.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            foreach (var s in run.Pairs.SelectMany(p => new[] { p.Hop, p.Gateway }))
            {
                var lat = LatencySummary.From(s.Latency);
                var ttfb = LatencySummary.From(s.FirstByte);
                sb.Append(Inv, $"| {s.Scenario.Name}{(s.HitTimeCap ? " (time cap)" : "")} | {lat.Count} | {s.Errors} | {s.Throughput:0} | {lat.P50:0.00} | {lat.P90:0.00} | {lat.P99:0.00} | {lat.Max:0.00} | ")
                  .Append(s.Scenario.Stream ? string.Create(Inv, $"{ttfb.P50:0.00} | {ttfb.P99:0.00} |") : "– | – |")
                  .AppendLine(string.Create(Inv, $" {s.CpuMsPerRequest(CannedMode.GatewayKey):0.000} | {s.CpuMsPerRequest(CannedMode.HopKey):0.000} | {s.CpuMsPerRequest(CannedMode.UpstreamKey):0.000} | {s.UpstreamConnections} |"));
            }
            Errors(sb, run.Pairs.SelectMany(p => new[] { p.Hop, p.Gateway }).Select(s => (s.Scenario.Name, s.ErrorExamples)));
            sb.AppendLine();
        }
    }

    private static void FixedRate(StringBuilder sb, IReadOnlyList<CannedMode.Pair<OpenLoopSamples>> pairs, int rate)
    {
        sb.AppendLine(Inv, $"### Fixed rate, {rate} req/s (open loop)");
        sb.AppendLine();
        sb.AppendLine("Latency counts from the scheduled send time; \"from send\" from the actual send; \"launch lag\" is how late the tool itself sent (its own CPU starvation).");
        sb.AppendLine();
        sb.AppendLine("| scenario | scheduled | ok | errors | skipped | achieved req/s | p50 ms | p90 ms | p99 ms | max ms | p99 from send | launch lag p99 | gateway CPU ms/req | nginx hop CPU ms/req |");
        sb.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var s in pairs.SelectMany(p => new[] { p.Hop, p.Gateway }))
        {
            var lat = LatencySummary.From(s.Latency);
            sb.AppendLine(Inv, $"| {s.Scenario.Name} | {s.Scheduled} | {lat.Count} | {s.Errors} | {s.Skipped} | {s.Achieved:0} | {lat.P50:0.00} | {lat.P90:0.00} | {lat.P99:0.00} | {lat.Max:0.00} | " +
                               $"{LatencySummary.From(s.Service).P99:0.00} | {LatencySummary.From(s.LaunchLag).P99:0.00} | {s.CpuMsPerRequest(CannedMode.GatewayKey):0.000} | {s.CpuMsPerRequest(CannedMode.HopKey):0.000} |");
        }
        sb.AppendLine();
        foreach (var p in pairs)
        {
            var h = LatencySummary.From(p.Hop.Latency);
            var g = LatencySummary.From(p.Gateway.Latency);
            sb.AppendLine(Inv, $"- {(p.Hop.Scenario.Stream ? "stream" : "non-stream")}: added p50 {g.P50 - h.P50:+0.00;-0.00} ms, **added p99 {g.P99 - h.P99:+0.00;-0.00} ms** ({g.P99 / h.P99:0.00}x)");
        }
        Errors(sb, pairs.SelectMany(p => new[] { p.Hop, p.Gateway }).Select(s => (s.Scenario.Name, s.ErrorExamples)));
        sb.AppendLine();
    }

    private static void Ttfb(StringBuilder sb, CannedMode.Pair<ScenarioSamples> t)
    {
        sb.AppendLine("### Stream time to first byte, 1 connection");
        sb.AppendLine();
        sb.AppendLine("| scenario | ok | errors | TTFB p50 ms | TTFB p90 ms | TTFB p99 ms | whole body p50 ms | whole body p99 ms | gateway CPU ms/req |");
        sb.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var s in new[] { t.Hop, t.Gateway })
        {
            var f = LatencySummary.From(s.FirstByte);
            var w = LatencySummary.From(s.Latency);
            sb.AppendLine(Inv, $"| {s.Scenario.Name} | {w.Count} | {s.Errors} | {f.P50:0.00} | {f.P90:0.00} | {f.P99:0.00} | {w.P50:0.00} | {w.P99:0.00} | {s.CpuMsPerRequest(CannedMode.GatewayKey):0.000} |");
        }
        var h = LatencySummary.From(t.Hop.FirstByte);
        var g = LatencySummary.From(t.Gateway.FirstByte);
        sb.AppendLine();
        sb.AppendLine(Inv, $"- added TTFB: **p50 {g.P50 - h.P50:+0.00;-0.00} ms, p99 {g.P99 - h.P99:+0.00;-0.00} ms**");
        Errors(sb, new[] { t.Hop, t.Gateway }.Select(s => (s.Scenario.Name, s.ErrorExamples)));
        sb.AppendLine();
    }

    private static void Memory(StringBuilder sb, StreamMemory.Result m)
    {
        sb.AppendLine("### Gateway memory, idle and with slow streams open");
        sb.AppendLine();
        sb.AppendLine("| state | gateway VmRSS MiB | threads | note |");
        sb.AppendLine("| --- | ---: | ---: | --- |");
        sb.AppendLine(Inv, $"| idle | {m.IdleRssKb / 1024.0:0.0} | {m.IdleThreads} | after start-up, 20 requests and the settle; median of 5 readings |");
        sb.AppendLine(Inv, $"| {m.OpenAtSampling} streams open | {m.OpenRssMedianKb / 1024.0:0.0} | {m.OpenThreads} | median of {m.Samples} readings over 2 s (max {m.OpenRssMaxKb / 1024.0:0.0}); simulator {m.SimulatorOpenRssKb / 1024.0:0.0} MiB |");
        sb.AppendLine(Inv, $"| after they finished | {m.AfterRssKb / 1024.0:0.0} | – | 3 s later; peak VmHWM {m.PeakKb / 1024.0:0.0} MiB |");
        sb.AppendLine();
        sb.AppendLine(Inv, $"- Streams: {m.Streams} started over {m.RampSeconds:0.0} s, all open (first byte) {m.AllOpenSeconds:0.0} s after the first; {m.Events} events each, {m.SlowMs} ms apart; " +
                           $"{m.Ok} complete, {m.Errors} errors; duration p50 {m.StreamP50Seconds:0.0} s, max {m.StreamMaxSeconds:0.0} s.");
        if (m.ErrorExamples.Count > 0) sb.AppendLine(Inv, $"- Errors, first {m.ErrorExamples.Count} distinct: `{string.Join("` `", m.ErrorExamples.Select(e => e.ReplaceLineEndings(" ")))}`");
        sb.AppendLine();
    }

    private sealed record Totals(double Rps, LatencySummary Lat, Func<string, double> Cpu);

    private static Totals Combined(IEnumerable<ScenarioSamples> samples)
    {
        var list = samples.ToList();
        var count = list.Sum(s => s.Latency.Count);
        var seconds = list.Sum(s => s.Elapsed.TotalSeconds);
        return new Totals(seconds > 0 ? count / seconds : 0, LatencySummary.From(list.SelectMany(s => s.Latency).ToList()),
            key => count > 0 ? list.Sum(s => s.Cpu.GetValueOrDefault(key).TotalMilliseconds) / count : double.NaN);
    }

    private static void Errors(StringBuilder sb, IEnumerable<(string Name, List<string> Examples)> sides)
    {
        foreach (var (name, examples) in sides.Where(s => s.Examples.Count > 0))
            sb.AppendLine(Inv, $"\n{name} errors, first {examples.Count}: `{string.Join("` `", examples.Select(e => e.ReplaceLineEndings(" ")))}`");
    }

    private static string F0(double v) => v.ToString("0", Inv);
}
