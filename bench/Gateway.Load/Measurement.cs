namespace Gateway.Load;

/// <summary>
/// The measurement plan. Per run and per mode (non-stream, stream), direct and gateway alternate in blocks
/// (ABBA: D G, G D, D G, ...), so drift and noise on this shared machine fall on both sides alike; the mode
/// order also flips from run to run.
/// </summary>
public sealed class Measurement(LoadOptions options, LoadDriver driver, ServerProcess simulatorProcess, ServerProcess gatewayProcess)
{
    private readonly Uri _simulator = simulatorProcess.BaseUrl;
    private readonly Uri _gateway = gatewayProcess.BaseUrl;

    /// <summary>One run: the four scenarios, direct and gateway per mode.</summary>

    public sealed record Run(int Number, IReadOnlyList<(ScenarioSamples Direct, ScenarioSamples Gateway)> Pairs);

    public async Task WarmUpAsync(CancellationToken ct)
    {
        if (options.Warmup == 0) return;
        foreach (var stream in new[] { false, true })
        foreach (var scenario in new[] { Scenario.Direct(_simulator, stream), Scenario.Gateway(_gateway, stream) })
        {
            var samples = new ScenarioSamples(scenario);
            await driver.RunAsync(samples, options.Warmup, options.MaxScenarioTime, ct);
            Console.WriteLine($"  warm-up {scenario.Name,-20} {samples.Latency.Count} ok, {samples.Errors} errors");
            if (samples.Errors > 0)
                throw new InvalidOperationException($"{scenario.Name} fails during warm-up: {string.Join(" | ", samples.ErrorExamples)}");
        }
    }

    public async Task<Run> RunAsync(int number, CancellationToken ct)
    {
        var pairs = new List<(ScenarioSamples, ScenarioSamples)>();
        var modes = number % 2 == 1 ? new[] { false, true } : [true, false];
        foreach (var stream in modes)
        {
            var direct = new ScenarioSamples(Scenario.Direct(_simulator, stream));
            var viaGateway = new ScenarioSamples(Scenario.Gateway(_gateway, stream));
            var blocks = (options.Requests + options.Block - 1) / options.Block;
            for (var k = 0; k < blocks; k++)
            {
                var n = Math.Min(options.Block, options.Requests - k * options.Block);
                var order = (k + number) % 2 == 1 ? new[] { direct, viaGateway } : [viaGateway, direct];
                foreach (var side in order)
                {
                    var servers = new[] { simulatorProcess, gatewayProcess };
                    var before = servers.Select(p => p.CpuTime()).ToArray();
                    await driver.RunAsync(side, n, options.MaxScenarioTime, ct);
                    for (var i = 0; i < servers.Length; i++)
                        side.Cpu[servers[i].Name] = side.Cpu.GetValueOrDefault(servers[i].Name) + (servers[i].CpuTime() - before[i]);
                }
            }
            Console.WriteLine($"  run {number} {(stream ? "stream" : "non-stream"),-10} direct {direct.Latency.Count} ok in {direct.Elapsed.TotalSeconds:0.0} s, " +
                              $"gateway {viaGateway.Latency.Count} ok in {viaGateway.Elapsed.TotalSeconds:0.0} s");
            pairs.Add((direct, viaGateway));
        }
        // Report in a fixed order (non-stream first) whatever order they ran in.
        return new Run(number, pairs.OrderBy(p => p.Item1.Scenario.Stream).ToList());
    }
}
