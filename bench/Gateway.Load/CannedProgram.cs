using System.Diagnostics;

namespace Gateway.Load;

/// <summary>The run of <c>--mode canned</c>: start what each phase needs, run the phases, report (see <see cref="CannedMode"/>).</summary>
public static class CannedProgram
{
    public static async Task<int> RunAsync(LoadOptions o, Workspace workspace, MachineFacts machine, DateTimeOffset started,
        string gatewayDir, string simulatorDir, Func<string?, string> command, CancellationToken ct)
    {
        var logs = Path.Combine(workspace.Out, "logs");
        var nginxDir = Directory.CreateTempSubdirectory("gw-load-nginx-").FullName;
        var throughput = new List<CannedMode.ThroughputRun>();
        IReadOnlyList<CannedMode.Pair<OpenLoopSamples>> fixedRate = [];
        CannedMode.Pair<ScenarioSamples>? ttfb = null;
        StreamMemory.Result? memory = null;
        var endMemory = new List<ResultsReport.Memory>();
        var notes = $"Bodies: OpenAI request {RequestBodies.ChatCompletions(false).Length} B (stream {RequestBodies.ChatCompletions(true).Length} B) to hop and gateway alike. {CannedTargets.Describe()}";

        try
        {
            if (o.Only.Overlaps(["throughput", "fixed-rate", "ttfb"]))
            {
                await using var targets = await CannedTargets.StartAsync(o.Nginx, nginxDir, o.NginxWorkers, ct);
                await using var gatewayJson = await StartGatewayAsync("gateway (JSON upstream)", gatewayDir, targets.UpstreamUrl(false), Path.Combine(logs, "canned-gateway-json.log"), ct);
                await using var gatewaySse = await StartGatewayAsync("gateway (SSE upstream)", gatewayDir, targets.UpstreamUrl(true), Path.Combine(logs, "canned-gateway-sse.log"), ct);
                Console.WriteLine($"canned upstream pid {targets.Upstream.Pid} on {targets.UpstreamUrl(false)} (JSON) and {targets.UpstreamUrl(true)} (SSE); " +
                                  $"nginx hop pid {targets.Hop.Pid} on {targets.HopUrl(false)} / {targets.HopUrl(true)}; gateways pid {gatewayJson.Pid} on {gatewayJson.BaseUrl} / pid {gatewaySse.Pid} on {gatewaySse.BaseUrl} " +
                                  $"(nginx in {nginxDir}, gateway logs in {logs})");
                using var mode = new CannedMode(o, targets, gatewayJson, gatewaySse);
                await mode.CheckAsync(ct);

                if (o.Only.Contains("throughput"))
                {
                    using var driver = new LoadDriver(o.Concurrency);
                    Console.WriteLine("throughput: warming up");
                    await mode.WarmUpAsync(driver, ct);
                    for (var i = 1; i <= o.Runs; i++) throughput.Add(await mode.ThroughputAsync(driver, i, ct));
                }
                if (o.Only.Contains("fixed-rate"))
                {
                    Console.WriteLine($"fixed rate: {o.Rate} req/s");
                    fixedRate = await mode.FixedRateAsync(ct);
                }
                if (o.Only.Contains("ttfb"))
                {
                    Console.WriteLine("ttfb: 1 connection");
                    ttfb = await mode.TtfbAsync(ct);
                }
                foreach (var p in new IMeasuredProcess[] { gatewayJson, gatewaySse, targets.Hop, targets.Upstream })
                    if (p.Memory() is { } m) endMemory.Add(new ResultsReport.Memory(p.Name, m.RssKb, m.PeakKb));
            }

            if (o.Only.Contains("memory"))
            {
                Console.WriteLine($"memory: fresh gateway in front of the simulator, {o.Streams} slow streams");
                await using var simulator = await ServerProcess.StartAsync("simulator", Path.Combine(simulatorDir, "Gateway.Simulator.dll"),
                    new Dictionary<string, string> { ["SIM_API_KEY"] = Scenario.SimulatorKey }, "/_sim/health", Path.Combine(logs, "memory-simulator.log"), ct);
                await using var gateway = await StartGatewayAsync("gateway", gatewayDir, simulator.BaseUrl, Path.Combine(logs, "memory-gateway.log"), ct);
                memory = await StreamMemory.RunAsync(o, gateway, simulator, ct);
            }
        }
        finally
        {
            try { Directory.Delete(nginxDir, recursive: true); } catch (IOException) { }
        }

        var report = CannedReport.Build(new CannedReport.Input(o, machine, NginxVersion(o.Nginx), started, command, notes,
            throughput, fixedRate, ttfb, memory, endMemory));
        Console.WriteLine();
        Console.WriteLine(report);
        if (!o.NoWrite)
        {
            ResultsReport.Append(workspace.Results, report);
            Console.WriteLine($"appended to {workspace.Results}");
        }
        return 0;
    }

    private static Task<ServerProcess> StartGatewayAsync(string name, string gatewayDir, Uri upstream, string log, CancellationToken ct) =>
        ServerProcess.StartAsync(name, Path.Combine(gatewayDir, "Gateway.Host.dll"),
            new Dictionary<string, string>
            {
                ["ANTHROPIC_API_KEY"] = Scenario.SimulatorKey,
                ["ANTHROPIC_BASE_URL"] = upstream.ToString(),
                ["GATEWAY_API_KEY"] = Scenario.GatewayKey,
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
            },
            "/healthz", log, ct);

    private static string NginxVersion(string nginx)
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo(nginx, "-v") { RedirectStandardError = true, RedirectStandardOutput = true });
            if (p is null) return "nginx (version unknown)";
            var text = p.StandardError.ReadToEnd() + p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return text.Trim().Replace("nginx version: ", "", StringComparison.Ordinal);
        }
        catch (System.ComponentModel.Win32Exception) { return "nginx (version unknown)"; }
    }
}
