namespace Gateway.Load;

/// <summary>
/// <c>--mode canned</c> (issue #8): the gateway versus a plain nginx proxy hop, both in front of the same canned nginx upstream,
/// so what is left is the cost of the hop itself. Phases (<c>--only</c>):
/// <list type="number">
/// <item><b>throughput</b>: closed loop, <c>--concurrency</c> connections, nginx hop and gateway alternating in ABBA blocks, per mode;</item>
/// <item><b>fixed-rate</b>: open loop at <c>--rate</c> req/s, per mode, ABBA in two blocks per side: added p99 at a load both can carry;</item>
/// <item><b>ttfb</b>: streams on one connection: time to first byte added by the gateway at low load;</item>
/// <item><b>memory</b>: a fresh gateway in front of the simulator: RSS idle and with <c>--streams</c> slow streams open (<see cref="StreamMemory"/>).</item>
/// </list>
/// Two gateway processes serve the first three phases, one per canned answer (the gateway has one upstream URL, and the canned
/// upstream answers JSON on one port and SSE on the other); their CPU is summed as "gateway" (the idle one adds nearly nothing).
/// </summary>
public sealed class CannedMode(LoadOptions options, CannedTargets targets, ServerProcess gatewayJson, ServerProcess gatewaySse) : IDisposable
{
    public const string GatewayKey = "gateway";
    public const string HopKey = "nginx hop";
    public const string UpstreamKey = "canned upstream";

    private IReadOnlyList<(string Key, IMeasuredProcess Process)> Tracked =>
        [(GatewayKey, gatewayJson), (GatewayKey, gatewaySse), (HopKey, targets.Hop), (UpstreamKey, targets.Upstream)];

    private readonly HttpClient _status = new() { Timeout = TimeSpan.FromSeconds(10) };

    private Uri GatewayUrl(bool stream) => stream ? gatewaySse.BaseUrl : gatewayJson.BaseUrl;

    public sealed record Pair<T>(T Hop, T Gateway);

    public sealed record ThroughputRun(int Number, IReadOnlyList<Pair<ScenarioSamples>> Pairs);

    /// <summary>One request per scenario must be complete, or nothing is measured.</summary>
    public async Task CheckAsync(CancellationToken ct)
    {
        using var driver = new LoadDriver(1);
        foreach (var stream in new[] { false, true })
        foreach (var scenario in new[] { Scenario.NginxHop(targets.HopUrl(stream), stream), Scenario.Gateway(GatewayUrl(stream), stream) })
        {
            var s = new ScenarioSamples(scenario);
            await driver.RunAsync(s, 1, TimeSpan.FromSeconds(30), ct);
            if (s.Errors > 0) throw new InvalidOperationException($"{scenario.Name} fails the measured request: {s.ErrorExamples[0]}");
        }
    }

    public async Task WarmUpAsync(LoadDriver driver, CancellationToken ct)
    {
        if (options.Warmup == 0) return;
        foreach (var stream in new[] { false, true })
        foreach (var scenario in new[] { Scenario.NginxHop(targets.HopUrl(stream), stream), Scenario.Gateway(GatewayUrl(stream), stream) })
        {
            var samples = new ScenarioSamples(scenario);
            await driver.RunAsync(samples, options.Warmup, options.MaxScenarioTime, ct);
            Console.WriteLine($"  warm-up {scenario.Name,-22} {samples.Latency.Count} ok, {samples.Errors} errors");
            if (samples.Errors > 0)
                throw new InvalidOperationException($"{scenario.Name} fails during warm-up: {string.Join(" | ", samples.ErrorExamples)}");
        }
        await SettledCpuAsync(ct);
    }

    public async Task<ThroughputRun> ThroughputAsync(LoadDriver driver, int number, CancellationToken ct)
    {
        var pairs = new List<Pair<ScenarioSamples>>();
        foreach (var stream in number % 2 == 1 ? new[] { false, true } : [true, false])
        {
            var pair = new Pair<ScenarioSamples>(new(Scenario.NginxHop(targets.HopUrl(stream), stream)), new(Scenario.Gateway(GatewayUrl(stream), stream)));
            await InterleaveAsync(driver, pair, options.Requests, options.Block, number, options.MaxScenarioTime, ct);
            Console.WriteLine($"  run {number} {(stream ? "stream" : "non-stream"),-10} nginx hop {pair.Hop.Latency.Count} ok in {pair.Hop.Elapsed.TotalSeconds:0.0} s, " +
                              $"gateway {pair.Gateway.Latency.Count} ok in {pair.Gateway.Elapsed.TotalSeconds:0.0} s");
            pairs.Add(pair);
        }
        return new ThroughputRun(number, pairs.OrderBy(p => p.Hop.Scenario.Stream).ToList());
    }

    /// <summary>Per mode: each side warmed at the rate, then ABBA ABBA (hop first), each block a quarter of --rate-seconds.</summary>
    public async Task<IReadOnlyList<Pair<OpenLoopSamples>>> FixedRateAsync(CancellationToken ct)
    {
        using var client = LoadDriver.NewClient(options.RateConnections, TimeSpan.FromSeconds(30));
        var maxInFlight = Math.Max(options.RateConnections * 4, options.Rate * 2);
        var quarter = TimeSpan.FromSeconds(options.RateSeconds / 4.0);
        var results = new List<Pair<OpenLoopSamples>>();
        foreach (var stream in new[] { false, true })
        {
            var pair = new Pair<OpenLoopSamples>(new(Scenario.NginxHop(targets.HopUrl(stream), stream)), new(Scenario.Gateway(GatewayUrl(stream), stream)));
            foreach (var side in new[] { pair.Hop, pair.Gateway })
            {
                if (options.RateWarmupSeconds == 0) break;
                var warm = new OpenLoopSamples(side.Scenario);
                await OpenLoopDriver.RunAsync(client, warm, options.Rate, TimeSpan.FromSeconds(options.RateWarmupSeconds), maxInFlight, ct);
                Console.WriteLine($"  fixed-rate warm-up {side.Scenario.Name,-22} {warm.Latency.Count} ok, {warm.Errors} errors, {warm.Skipped} skipped");
                await SettledCpuAsync(ct);
            }
            foreach (var side in new[] { pair.Hop, pair.Gateway, pair.Gateway, pair.Hop, pair.Hop, pair.Gateway, pair.Gateway, pair.Hop })
            {
                var before = Cpu();
                await OpenLoopDriver.RunAsync(client, side, options.Rate, quarter, maxInFlight, ct);
                AddCpu(side.Cpu, before, await SettledCpuAsync(ct));
            }
            Console.WriteLine($"  fixed-rate {(stream ? "stream" : "non-stream"),-10} nginx hop {pair.Hop.Latency.Count} ok, gateway {pair.Gateway.Latency.Count} ok");
            results.Add(pair);
        }
        return results;
    }

    /// <summary>Streams on one connection (no queueing): time to first byte, hop and gateway alternating in blocks of 50.</summary>
    public async Task<Pair<ScenarioSamples>> TtfbAsync(CancellationToken ct)
    {
        using var driver = new LoadDriver(1);
        var pair = new Pair<ScenarioSamples>(new(Scenario.NginxHop(targets.HopUrl(true), true)), new(Scenario.Gateway(GatewayUrl(true), true)));
        foreach (var side in new[] { pair.Hop, pair.Gateway })
            await driver.RunAsync(new ScenarioSamples(side.Scenario), 50, TimeSpan.FromSeconds(30), ct);
        await SettledCpuAsync(ct);
        await InterleaveAsync(driver, pair, options.TtfbRequests, 50, 1, options.MaxScenarioTime, ct);
        Console.WriteLine($"  ttfb: nginx hop {pair.Hop.Latency.Count} ok, gateway {pair.Gateway.Latency.Count} ok");
        return pair;
    }

    /// <summary>Blocks of <paramref name="block"/> requests, AB BA AB ... (which side starts flips with the run number).</summary>
    private async Task InterleaveAsync(LoadDriver driver, Pair<ScenarioSamples> pair, int requests, int block, int number, TimeSpan cap, CancellationToken ct)
    {
        var blocks = (requests + block - 1) / block;
        for (var k = 0; k < blocks; k++)
        {
            var n = Math.Min(block, requests - k * block);
            foreach (var side in (k + number) % 2 == 1 ? new[] { pair.Hop, pair.Gateway } : [pair.Gateway, pair.Hop])
            {
                // The status client keeps its one connection open, so the count moves only for the side's own connections.
                var accepts = await targets.UpstreamAcceptsAsync(_status, ct);
                var before = Cpu();
                await driver.RunAsync(side, n, cap, ct);
                AddCpu(side.Cpu, before, await SettledCpuAsync(ct));
                side.UpstreamConnections += await targets.UpstreamAcceptsAsync(_status, ct) - accepts;
            }
        }
    }

    private TimeSpan[] Cpu() => Tracked.Select(t => t.Process.CpuTime()).ToArray();

    /// <summary>
    /// CPU readings once the processes have gone quiet (at most 10 ms of CPU, one clock tick, in 100 ms; at most 3 s): the
    /// gateway keeps working for a while after its last answer (its request log is written asynchronously), and that work
    /// belongs to its block, not to the next one.
    /// </summary>
    private async Task<TimeSpan[]> SettledCpuAsync(CancellationToken ct)
    {
        var last = Cpu();
        for (var i = 0; i < 30; i++)
        {
            await Task.Delay(100, ct);
            var now = Cpu();
            var moved = now.Zip(last, (a, b) => a - b).Aggregate(TimeSpan.Zero, (x, y) => x + y);
            last = now;
            if (moved <= TimeSpan.FromMilliseconds(10)) break;
        }
        return last;
    }

    private void AddCpu(Dictionary<string, TimeSpan> into, TimeSpan[] before, TimeSpan[] after)
    {
        var tracked = Tracked;
        for (var i = 0; i < tracked.Count; i++)
            into[tracked[i].Key] = into.GetValueOrDefault(tracked[i].Key) + (after[i] - before[i]);
    }

    public void Dispose() => _status.Dispose();
}
