using Gateway.Simulator;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Host.Tests.Infrastructure;

/// <summary>
/// A real gateway on a loopback port (Kestrel, port 0) in front of a real simulator on another loopback port.
/// Configuration goes in exactly as operators give it: the seed's environment variable names.
/// </summary>
public sealed class GatewayFixture : IAsyncDisposable
{
    public const string GatewayKey = "gw-test-key-7f3a9c";
    public const string UpstreamKey = "sk-ant-test-upstream-5b1e2d";

    private GatewayFixture(SimulatorServer simulator, WebApplication app, Uri baseUrl, InMemoryLogSink logs)
    {
        Simulator = simulator;
        App = app;
        BaseUrl = baseUrl;
        Logs = logs;
        Client = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(120) }; // longer than every per-request bound (Http.Deadline)
    }

    public SimulatorServer Simulator { get; }
    public WebApplication App { get; }

    /// <summary>The gateway root, e.g. http://127.0.0.1:43567/ (append v1/...).</summary>
    public Uri BaseUrl { get; }
    public InMemoryLogSink Logs { get; }

    /// <summary>A client with no credentials set; add them per request.</summary>
    public HttpClient Client { get; }

    /// <summary>Starts simulator and gateway. <paramref name="settings"/> override the defaults below (null value: unset).</summary>
    /// <param name="demoLauncher">True: started as the demo launcher (src/Gateway.Demo) starts it, with the simulator as the
    /// stand-in upstream when ANTHROPIC_API_KEY is unset; false: as the production host, which has no demo upstream.</param>
    public static async Task<GatewayFixture> StartAsync(IDictionary<string, string?>? settings = null, string environment = "Production", SimulatorOptions? simulatorOptions = null,
        bool demoLauncher = true, Action<IServiceCollection>? services = null)
    {
        var simulator = await SimulatorServer.StartAsync(simulatorOptions ?? new SimulatorOptions { ApiKey = UpstreamKey });
        var config = new Dictionary<string, string?>
        {
            ["ANTHROPIC_API_KEY"] = UpstreamKey,
            ["ANTHROPIC_BASE_URL"] = simulator.BaseUrl.ToString(),
            ["GATEWAY_API_KEY"] = GatewayKey,
            ["UPSTREAM_TIMEOUT_SECONDS"] = "30",
        };
        if (settings is not null)
            foreach (var (k, v) in settings) config[k] = v;

        var logs = new InMemoryLogSink();
        WebApplication app;
        try
        {
            app = await GatewayApp.BuildAsync(
            ["--urls", "http://127.0.0.1:0", "--environment", environment],
            builder =>
            {
                builder.Configuration.AddInMemoryCollection(config);
                services?.Invoke(builder.Services);
            },
            lc => lc.WriteTo.Sink(logs),
            demoLauncher ? Gateway.Demo.SimulatorDemoUpstream.StartAsync : null);
        }
        catch
        {
            await simulator.DisposeAsync(); // a configuration the gateway refuses must not leave the simulator running
            throw;
        }
        await app.StartAsync();
        var url = app.Urls.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal);
        return new GatewayFixture(simulator, app, new Uri(url.TrimEnd('/') + "/"), logs);
    }

    public HttpRequestMessage Post(string path, string json, string? key = GatewayKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
        if (key is not null) request.Headers.Authorization = new("Bearer", key);
        return request;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        await Simulator.DisposeAsync();
    }
}
