using Gateway.Host.Demo;
using Gateway.Simulator;

namespace Gateway.Demo;

/// <summary>The Anthropic simulator, in process on a loopback port, as the gateway's demo upstream. <c>SIM_SCRIPT</c> picks a scripted behaviour.</summary>
public sealed class SimulatorDemoUpstream : IDemoUpstream
{
    private const string Key = "demo-upstream-key";
    private readonly SimulatorServer _server;

    private SimulatorDemoUpstream(SimulatorServer server) => _server = server;

    public Uri BaseUrl => _server.BaseUrl;
    public string ApiKey => Key;

    public static async Task<IDemoUpstream> StartAsync()
    {
        var script = Environment.GetEnvironmentVariable("SIM_SCRIPT");
        return new SimulatorDemoUpstream(await SimulatorServer.StartAsync(new SimulatorOptions { ApiKey = Key, Script = script }));
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
