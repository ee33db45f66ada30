using System.Diagnostics;
using Gateway.Load;

namespace Gateway.PolicyReload;

/// <summary>
/// Phase 2: memory over many recompiled rules, in the published gateway. Each iteration writes a different rule script
/// (a new content hash, so a new assembly in a new collectible load context) and calls <c>POST /admin/policies/reload</c>,
/// while a few clients keep sending requests (half of them to the profile that runs the rule). Nothing is forced in the
/// gateway: its RSS is read from /proc at checkpoints, as the median of 5 samples 400 ms apart with the load still running.
/// </summary>
public sealed class MemoryChurn(GatewayClient client, ServerProcess gateway, PolicyWorkspace policies, ReloadOptions options)
{
    public sealed record Checkpoint(int Reloads, double RssMiB, double PeakMiB, double Seconds);

    public sealed record Result(
        int Reloads, int Clients, IReadOnlyList<Checkpoint> Checkpoints, IReadOnlyList<double> ReloadMs, int ReloadFailures,
        IReadOnlyList<string> ReloadFailureExamples, long Ok, long Failed, IReadOnlyList<string> FailureExamples, double Seconds);

    public async Task<Result> RunAsync(CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var checkpoints = new List<Checkpoint>();
        var reloadMs = new List<double>();
        var failures = new List<string>();
        var traffic = Traffic.Start(client, options.MemoryClients, TimeSpan.FromMinutes(options.MaxMinutes));
        var deadline = TimeSpan.FromMinutes(options.MaxMinutes);
        var done = 0;
        try
        {
            policies.WriteValid(0, 40); // a known valid profile (phase 1 may have ended on a broken edit)
            await client.ReloadAsync(ct);
            checkpoints.Add(await SampleAsync(0, clock, ct));
            for (var i = 1; i <= options.MemoryReloads && clock.Elapsed < deadline; i++)
            {
                policies.WriteValid(100_000 + i, null);
                var expected = policies.ExpectedVersion();
                var started = Stopwatch.StartNew();
                var (status, version, body) = await client.ReloadAsync(ct);
                reloadMs.Add(started.Elapsed.TotalMilliseconds);
                if (status != 200 || version != expected)
                    failures.Add($"reload {i}: {status}, version {version} (expected {expected}): {(body.Length > 300 ? body[..300] : body)}");
                done = i;
                if (i % 100 == 0 || i == options.MemoryReloads)
                {
                    var c = await SampleAsync(i, clock, ct);
                    checkpoints.Add(c);
                    Console.WriteLine($"  {i,5} reloads: gateway VmRSS {c.RssMiB:0.0} MiB (peak {c.PeakMiB:0.0}), reload p50 {Stats.Percentile(reloadMs, 50):0} ms, {traffic.Ok} requests ok, {traffic.Failed} failed");
                }
            }
        }
        finally
        {
            await traffic.StopAsync();
        }
        return new Result(done, options.MemoryClients, checkpoints, reloadMs, failures.Count, failures.Take(5).ToList(),
            traffic.Ok, traffic.Failed, traffic.ErrorExamples, clock.Elapsed.TotalSeconds);
    }

    private async Task<Checkpoint> SampleAsync(int reloads, Stopwatch clock, CancellationToken ct)
    {
        var rss = new List<double>();
        double peak = 0;
        for (var s = 0; s < 5; s++)
        {
            if (s > 0) await Task.Delay(400, ct);
            if (gateway.Memory() is { } m)
            {
                rss.Add(m.RssKb / 1024.0);
                peak = m.PeakKb / 1024.0;
            }
        }
        return new Checkpoint(reloads, rss.Count == 0 ? 0 : Stats.Percentile(rss, 50), peak, clock.Elapsed.TotalSeconds);
    }
}
