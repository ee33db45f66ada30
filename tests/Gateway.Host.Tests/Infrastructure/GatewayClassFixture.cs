using Xunit;

namespace Gateway.Host.Tests.Infrastructure;

/// <summary>
/// One gateway + simulator shared by every test of a class (xunit <c>IClassFixture</c>). Subclasses name the configuration;
/// tests in one class run one after another, so the simulator's request log is theirs (they still find their own request by a marker).
/// </summary>
public abstract class GatewayClassFixture : IAsyncLifetime
{
    private GatewayFixture? _gateway;

    public GatewayFixture Gateway => _gateway ?? throw new InvalidOperationException("Fixture not started.");

    protected virtual IDictionary<string, string?>? Settings => null;
    protected virtual string Environment => "Production";

    public async Task InitializeAsync() => _gateway = await GatewayFixture.StartAsync(Settings, Environment);

    public async Task DisposeAsync()
    {
        if (_gateway is not null) await _gateway.DisposeAsync();
    }
}

/// <summary>The defaults of <see cref="GatewayFixture"/>: a real upstream key (the simulator's) and one gateway key.</summary>
public sealed class DefaultGateway : GatewayClassFixture;
