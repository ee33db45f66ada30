using System.Text.Json;
using Gateway.Load;

// Added latency of the gateway versus the simulator called directly (bench/README.md); --mode canned: versus a plain nginx
// hop in front of a canned nginx upstream (CannedProgram, CannedMode).
// 1. parse options, find the repository;
// 2. publish the gateway and the simulator (Release) into bench/.out, unless given or told not to;
// 3. start both as separate processes on loopback, the gateway pointed at the simulator;
// 4. check one request per scenario and what the gateway sends upstream;
// 5. warm up, then measure the runs (direct and gateway interleaved);
// 6. read both processes' memory, print the report, append it to bench/RESULTS.md.
LoadOptions options;
try
{
    options = LoadOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(LoadOptions.Usage);
    return 2;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
var ct = cancel.Token;

// 1.
var workspace = Workspace.Find();
var started = DateTimeOffset.UtcNow;
var machine = MachineFacts.Collect(workspace.Root);

// 2.
var gatewayDir = options.GatewayDir ?? Path.Combine(workspace.Out, "gateway");
var simulatorDir = options.SimulatorDir ?? Path.Combine(workspace.Out, "simulator");
var canned = options.Mode == "canned";
if (!options.NoPublish)
{
    if (options.SimulatorDir is null && (!canned || options.Only.Contains("memory")))
    {
        Console.WriteLine($"publishing Gateway.Simulator -> {simulatorDir}");
        await DotnetHost.PublishAsync(Path.Combine(workspace.Root, "src/Gateway.Simulator/Gateway.Simulator.csproj"), simulatorDir, ct);
    }
    if (options.GatewayDir is null)
    {
        Console.WriteLine($"publishing Gateway.Host -> {gatewayDir}");
        await DotnetHost.PublishAsync(Path.Combine(workspace.Root, "src/Gateway.Host/Gateway.Host.csproj"), gatewayDir, ct);
    }
}

var command = (Environment.GetEnvironmentVariable("GW_ARTIFACTS") is { Length: > 0 } art ? $"GW_ARTIFACTS={art} " : "") +
              "dotnet run -c Release --project bench/Gateway.Load --";
// The command of this run; with a phase: the same, running that phase alone (what a row of the canned report reproduces).
string CommandFor(string? only)
{
    var kept = new List<string>();
    for (var i = 0; i < args.Length; i++)
    {
        if (only is not null && args[i] == "--only") { i++; continue; }
        kept.Add(args[i]);
    }
    if (only is not null) kept.AddRange(["--only", only]);
    return command + (kept.Count > 0 ? " " + string.Join(' ', kept.Select(Quote)) : "");
}

if (canned) return await CannedProgram.RunAsync(options, workspace, machine, started, gatewayDir, simulatorDir, CommandFor, ct);

// 3.
var logs = Path.Combine(workspace.Out, "logs");
await using var simulator = await ServerProcess.StartAsync("simulator", Path.Combine(simulatorDir, "Gateway.Simulator.dll"),
    new Dictionary<string, string> { ["SIM_API_KEY"] = Scenario.SimulatorKey },
    "/_sim/health", Path.Combine(logs, "simulator.log"), ct);
await using var gateway = await ServerProcess.StartAsync("gateway", Path.Combine(gatewayDir, "Gateway.Host.dll"),
    new Dictionary<string, string>
    {
        ["ANTHROPIC_API_KEY"] = Scenario.SimulatorKey,
        ["ANTHROPIC_BASE_URL"] = simulator.BaseUrl.ToString(),
        ["GATEWAY_API_KEY"] = Scenario.GatewayKey,
        ["ASPNETCORE_ENVIRONMENT"] = "Production",
    },
    "/healthz", Path.Combine(logs, "gateway.log"), ct);
Console.WriteLine($"simulator pid {simulator.Pid} on {simulator.BaseUrl}; gateway pid {gateway.Pid} on {gateway.BaseUrl} (logs in {logs})");

using var driver = new LoadDriver(options.Concurrency);

// 4.
var notes = await UpstreamBodyNoteAsync(simulator.BaseUrl, gateway.BaseUrl, driver, ct);
Console.WriteLine(notes);

// 5.
var measurement = new Measurement(options, driver, simulator, gateway);
Console.WriteLine("warming up");
await measurement.WarmUpAsync(ct);
var runs = new List<Measurement.Run>();
for (var i = 1; i <= options.Runs; i++) runs.Add(await measurement.RunAsync(i, ct));

// 6.
var memory = new List<ResultsReport.Memory>();
foreach (var server in new[] { gateway, simulator })
    if (server.Memory() is { } m) memory.Add(new ResultsReport.Memory(server.Name, m.RssKb, m.PeakKb));

var report = ResultsReport.Build(options, machine, CommandFor(null), started, runs, memory, notes);
Console.WriteLine();
Console.WriteLine(report);
if (!options.NoWrite)
{
    ResultsReport.Append(workspace.Results, report);
    Console.WriteLine($"appended to {workspace.Results}");
}
return 0;

static string Quote(string a) => a.Contains(' ') ? $"\"{a}\"" : a;

// One request through the gateway, then the simulator's record of what arrived: the direct body should be its twin.
static async Task<string> UpstreamBodyNoteAsync(Uri simulator, Uri gateway, LoadDriver driver, CancellationToken ct)
{
    using var http = new HttpClient();
    await http.DeleteAsync(new Uri(simulator, "/_sim/requests"), ct);
    var probe = new ScenarioSamples(Scenario.Gateway(gateway, stream: false));
    await driver.RunAsync(probe, 1, TimeSpan.FromSeconds(30), ct);
    if (probe.Errors > 0) throw new InvalidOperationException("The gateway fails the measured request: " + probe.ErrorExamples[0]);
    using var recorded = JsonDocument.Parse(await http.GetByteArrayAsync(new Uri(simulator, "/_sim/requests"), ct));
    var upstream = recorded.RootElement.EnumerateArray().LastOrDefault();
    var sent = upstream.ValueKind == JsonValueKind.Object ? upstream.GetProperty("body").GetString()?.Length ?? 0 : 0;
    await http.DeleteAsync(new Uri(simulator, "/_sim/requests"), ct);
    return $"Bodies: OpenAI request {RequestBodies.ChatCompletions(false).Length} B; the gateway sent the simulator {sent} B; the direct Anthropic request is {RequestBodies.Messages(false).Length} B.";
}
