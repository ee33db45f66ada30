using Gateway.Load;
using Gateway.PolicyReload;

// Policy reload under load (bench/README.md).
// 1. parse options, find the repository, copy policies/ to a temp directory;
// 2. publish the gateway and the simulator (Release) into bench/.out/policy-reload, unless given or told not to;
// 3. start both as separate processes on loopback, the gateway watching the temp policies (POLICY_POLL_MS);
// 4. check that the tool computes the gateway's X-Policy-Version from the files;
// 5. reloads under load: valid and broken edits alternate while clients send requests;
// 6. memory: many reloads of a changed rule via the admin endpoint, gateway RSS at checkpoints; then stop the servers;
// 7. the same churn in-process, counting rule load contexts after full collections;
// 8. print the report and append it to bench/RESULTS.md.
ReloadOptions options;
try
{
    options = ReloadOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(ReloadOptions.Usage);
    return 2;
}

using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(options.MaxMinutes * 3 + 10));
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
var ct = cancel.Token;

// 1.
var workspace = Workspace.Find();
var started = DateTimeOffset.UtcNow;
var machine = MachineFacts.Collect(workspace.Root);
var outDir = Path.Combine(workspace.Out, "policy-reload");
using var policies = PolicyWorkspace.Create(workspace.Root, "gateway");

// 2.
var gatewayDir = options.GatewayDir ?? Path.Combine(outDir, "gateway");
var simulatorDir = options.SimulatorDir ?? Path.Combine(outDir, "simulator");
if (!options.NoPublish)
{
    if (options.SimulatorDir is null)
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

ReloadUnderLoad.Result load;
MemoryChurn.Result? memory;
{
    // 3.
    var logs = Path.Combine(outDir, "logs");
    await using var simulator = await ServerProcess.StartAsync("simulator", Path.Combine(simulatorDir, "Gateway.Simulator.dll"),
        new Dictionary<string, string> { ["SIM_API_KEY"] = GatewayClient.SimulatorKey },
        "/_sim/health", Path.Combine(logs, "simulator.log"), ct);
    await using var gateway = await ServerProcess.StartAsync("gateway", Path.Combine(gatewayDir, "Gateway.Host.dll"),
        new Dictionary<string, string>
        {
            ["ANTHROPIC_API_KEY"] = GatewayClient.SimulatorKey,
            ["ANTHROPIC_BASE_URL"] = simulator.BaseUrl.ToString(),
            ["GATEWAY_API_KEY"] = GatewayClient.GatewayKey,
            ["ADMIN_API_KEY"] = GatewayClient.AdminKey,
            ["POLICY_DIR"] = policies.Directory,
            ["POLICY_POLL_MS"] = options.PollMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
        },
        "/healthz", Path.Combine(logs, "gateway.log"), ct);
    Console.WriteLine($"simulator pid {simulator.Pid} on {simulator.BaseUrl}; gateway pid {gateway.Pid} on {gateway.BaseUrl}; policies in {policies.Directory} (logs in {logs})");
    using var client = new GatewayClient(gateway.BaseUrl, Math.Max(options.Clients, options.MemoryClients) + 4);

    // 4.
    var first = await client.ChatAsync(stream: false, research: true, ct);
    if (!first.Ok) throw new InvalidOperationException("The gateway fails the bench request: " + first.Error);
    var computed = policies.ExpectedVersion();
    if (first.Version != computed)
        throw new InvalidOperationException($"The gateway serves version {first.Version} but the tool computes {computed} from the files: " +
            "PolicySnapshotBuilder's versioning changed; update PolicyWorkspace.ExpectedVersion.");
    Console.WriteLine($"initial version {computed} (computed from the files, matches the gateway)");

    // 5.
    Console.WriteLine($"reloads under load: {options.Reloads} reloads, {options.Clients} client tasks");
    load = await new ReloadUnderLoad(client, policies, options).RunAsync(computed, ct);
    Console.WriteLine($"  {load.Ok} requests ok, {load.Failed} failed");

    // 6.
    memory = null;
    if (options.MemoryReloads > 0)
    {
        Console.WriteLine($"memory: {options.MemoryReloads} reloads of a changed rule via POST /admin/policies/reload, {options.MemoryClients} client tasks");
        memory = await new MemoryChurn(client, gateway, policies, options).RunAsync(ct);
    }
    if (options.HoldSeconds > 0)
    {
        Console.WriteLine($"holding: gateway pid {gateway.Pid} stays up {options.HoldSeconds} s");
        await Task.Delay(TimeSpan.FromSeconds(options.HoldSeconds), ct);
    }
}

// 7.
InProcessChurn.Result? inProcess = null;
if (options.InProcess && options.MemoryReloads > 0)
{
    Console.WriteLine($"in-process: {options.MemoryReloads} reloads of a changed rule through PolicyStore");
    inProcess = await new InProcessChurn(workspace.Root, options).RunAsync();
}

// 8.
var command = (Environment.GetEnvironmentVariable("GW_ARTIFACTS") is { Length: > 0 } art ? $"GW_ARTIFACTS={art} " : "") +
              "dotnet run -c Release --project bench/Gateway.PolicyReload --" + (args.Length > 0 ? " " + string.Join(' ', args.Select(Quote)) : "");
var report = ReloadReport.Build(options, machine, command, started, load, memory, inProcess);
Console.WriteLine();
Console.WriteLine(report);
if (!options.NoWrite)
{
    ReloadReport.Append(workspace.Results, report);
    Console.WriteLine($"appended to {workspace.Results}");
}
return load.Failed == 0 && load.ActiveAfterSaveMs.All(v => v is <= 2000) && (memory?.Failed ?? 0) == 0 ? 0 : 1;

static string Quote(string a) => a.Contains(' ') ? $"\"{a}\"" : a;
