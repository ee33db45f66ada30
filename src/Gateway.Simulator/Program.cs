using Gateway.Simulator;

// Standalone: dotnet run --project src/Gateway.Simulator -- --urls http://127.0.0.1:9100 [--verbose]
// Environment: SIM_API_KEY (accepted key; unset accepts any), SIM_SCRIPT (e.g. "agent").
var url = "http://127.0.0.1:9100";
var quiet = true;
for (var i = 0; i < args.Length; i++)
{
    if (args[i] == "--urls" && i + 1 < args.Length) url = args[++i];
    else if (args[i].StartsWith("--urls=", StringComparison.Ordinal)) url = args[i]["--urls=".Length..];
    else if (args[i] == "--verbose") quiet = false;
}
url = url.Split(';')[0];

var options = new SimulatorOptions
{
    ApiKey = Environment.GetEnvironmentVariable("SIM_API_KEY") is { Length: > 0 } key ? key : null,
    Script = Environment.GetEnvironmentVariable("SIM_SCRIPT") is { Length: > 0 } script ? script : null,
    Quiet = quiet,
};

using var stop = new CancellationTokenSource();
// The server is not a hosted app with a console lifetime, so signals must be wired here: SIGTERM (process managers,
// test harnesses) and SIGINT (Ctrl+C) both stop it cleanly.
using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });

await using var server = await SimulatorServer.StartAsync(options, url, stop.Token);
Console.WriteLine($"Anthropic simulator listening on {server.BaseUrl} (script: {options.Script ?? "directives"}, key: {(options.ApiKey is null ? "any" : "fixed")})");
try { await Task.Delay(Timeout.Infinite, stop.Token); } catch (OperationCanceledException) { }
