using Gateway.Host.Tests.Infrastructure;

namespace Gateway.Host.Tests.Integration;

/// <summary>A gateway whose ANTHROPIC_API_KEY the upstream refuses.</summary>
public sealed class WrongUpstreamKeyGateway : GatewayClassFixture
{
    public const string WrongUpstreamKey = "sk-ant-wrong-upstream-91c0ffee";

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["ANTHROPIC_API_KEY"] = WrongUpstreamKey };
}

public sealed class UpstreamAuthTests(WrongUpstreamKeyGateway fixture) : IClassFixture<WrongUpstreamKeyGateway>
{
    private GatewayFixture Gw => fixture.Gateway;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task UpstreamRejectsKey_Is401WithoutLeakingIt(bool stream)
    {
        using var response = await Gw.PostAsync("v1/chat/completions", Http.Chat("hello", stream));
        var raw = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain(WrongUpstreamKeyGateway.WrongUpstreamKey, raw);
        Assert.DoesNotContain(GatewayFixture.UpstreamKey, raw);
        Assert.DoesNotContain(WrongUpstreamKeyGateway.WrongUpstreamKey, Gw.Logs.AllText());

        using var again = await Gw.PostAsync("v1/chat/completions", Http.Chat("hello", stream));
        var error = await again.AssertOpenAiErrorAsync(401, "upstream_auth");
        Assert.Equal("authentication_error", error.GetProperty("type").GetString());
        Assert.Equal(401, Gw.Simulator.Requests[^1].Status);
    }
}
