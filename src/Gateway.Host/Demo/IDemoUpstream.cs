namespace Gateway.Host.Demo;

/// <summary>
/// A stand-in Anthropic API for the no-secrets quick start, started by a launcher that is not the production host
/// (<c>src/Gateway.Demo</c> starts the simulator in process). The production host never references the simulator:
/// it only knows this shape.
/// </summary>
public interface IDemoUpstream : IAsyncDisposable
{
    /// <summary>API root (without <c>/v1</c>) the gateway sends requests to.</summary>
    Uri BaseUrl { get; }

    /// <summary>The key the stand-in accepts as <c>x-api-key</c>.</summary>
    string ApiKey { get; }
}

/// <summary>Starts a demo upstream; called only when <c>ANTHROPIC_API_KEY</c> is unset outside Production.</summary>
public delegate Task<IDemoUpstream> DemoUpstreamFactory();
