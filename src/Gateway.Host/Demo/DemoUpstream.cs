using Gateway.Simulator;

namespace Gateway.Host.Demo;

/// <summary>
/// The no-secrets quick start: when <c>ANTHROPIC_API_KEY</c> is unset outside Production, the gateway starts the
/// Anthropic simulator in-process on a loopback port and sends every request there. Loudly announced at start-up,
/// on <c>/readyz</c>, and in the <c>X-Upstream: demo-simulator</c> response header, so nobody mistakes it for Claude.
/// </summary>
public sealed class DemoUpstream : IAsyncDisposable
{
    public const string ApiKey = "demo-upstream-key";
    private readonly SimulatorServer _server;

    private DemoUpstream(SimulatorServer server) => _server = server;

    public Uri BaseUrl => _server.BaseUrl;

    public static async Task<DemoUpstream> StartAsync()
    {
        var script = Environment.GetEnvironmentVariable("SIM_SCRIPT");
        var server = await SimulatorServer.StartAsync(new SimulatorOptions { ApiKey = ApiKey, Script = script });
        return new DemoUpstream(server);
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
