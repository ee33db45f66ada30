namespace Gateway.Host.Tests.Policies;

/// <summary>One policy gateway shared by a test class whose tests do not edit the policies (xunit <c>IClassFixture</c>).</summary>
public abstract class PolicyGatewayFixture : IAsyncLifetime
{
    private PolicyGateway? _gateway;

    public PolicyGateway Gateway => _gateway ?? throw new InvalidOperationException("Fixture not started.");

    protected abstract string[] Overlays { get; }
    protected virtual IDictionary<string, string?>? Settings => null;

    public async Task InitializeAsync() => _gateway = await PolicyGateway.StartAsync(PolicyDirectory.Create(Overlays), Settings);

    public async Task DisposeAsync()
    {
        if (_gateway is not null) await _gateway.DisposeAsync();
    }
}

/// <summary>Shipped policies plus the key-bound <c>team</c> profile; keys: the default test key, acme's and team's.</summary>
public sealed class ShippedPoliciesGateway : PolicyGatewayFixture
{
    protected override string[] Overlays => ["team"];
}

/// <summary>Test classes that only read the shipped policies share one gateway (they use distinct markers).</summary>
[CollectionDefinition(Name)]
public sealed class ShippedPoliciesCollection : ICollectionFixture<ShippedPoliciesGateway>
{
    public const string Name = "shipped policies gateway";
}

/// <summary>Shipped policies plus profiles whose script rules throw, loop, or throw in a fail-closed profile.</summary>
public sealed class FailingRulesGateway : PolicyGatewayFixture
{
    protected override string[] Overlays => ["failing-rules"];
}

/// <summary>Shipped policies plus the <c>answer-echo</c> profile, whose response-stage rule tags what it saw of the answer.</summary>
public sealed class ResponseRulesGateway : PolicyGatewayFixture
{
    protected override string[] Overlays => ["response-rules"];
}
