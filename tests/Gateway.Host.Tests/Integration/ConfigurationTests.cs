using System.Net;
using Gateway.Host.Tests.Infrastructure;

namespace Gateway.Host.Tests.Integration;

/// <summary>Start-up validation: Production requires both keys; bad values stop start-up naming the variable; Development runs the demo upstream.</summary>
public sealed class ConfigurationTests
{
    [Theory]
    [InlineData("ANTHROPIC_API_KEY")]
    [InlineData("GATEWAY_API_KEY")]
    public async Task Production_WithoutKey_StartupFailsNamingIt(string variable)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => GatewayFixture.StartAsync(new Dictionary<string, string?> { [variable] = null }, "Production"));
        Assert.Contains(variable, error.Message);
    }

    [Theory]
    [InlineData("UPSTREAM_TIMEOUT_SECONDS", "abc")]
    [InlineData("UPSTREAM_TIMEOUT_SECONDS", "0")]
    [InlineData("MAX_REQUEST_BODY_MB", "-1")]
    [InlineData("MAX_REQUEST_DRAIN_MB", "0")]
    [InlineData("MAX_REQUEST_DRAIN_MB", "16")] // below MAX_REQUEST_BODY_MB (32)
    [InlineData("DEFAULT_MAX_TOKENS", "lots")]
    [InlineData("REQUIRE_CF_ACCESS_HEADERS", "maybe")]
    [InlineData("ANTHROPIC_BASE_URL", "not a url")]
    public async Task BadValue_StartupFailsNamingIt(string variable, string value)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => GatewayFixture.StartAsync(new Dictionary<string, string?> { [variable] = value }, "Development"));
        Assert.Contains(variable, error.Message);
        Assert.Contains(value, error.Message);
    }

    [Fact]
    public async Task BadValues_AllNamedAtOnce()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => GatewayFixture.StartAsync(new Dictionary<string, string?>
        {
            ["UPSTREAM_TIMEOUT_SECONDS"] = "abc",
            ["GATEWAY_API_KEY"] = null,
        }, "Production"));
        Assert.Contains("UPSTREAM_TIMEOUT_SECONDS", error.Message);
        Assert.Contains("GATEWAY_API_KEY", error.Message);
    }

    [Fact]
    public async Task Development_WithoutUpstreamKey_DemoUpstreamAnswers()
    {
        await using var gw = await GatewayFixture.StartAsync(new Dictionary<string, string?>
        {
            ["ANTHROPIC_API_KEY"] = null,
            ["ANTHROPIC_BASE_URL"] = null,
            ["GATEWAY_API_KEY"] = null,
        }, "Development");

        using var response = await gw.PostAsync("v1/chat/completions", Http.Chat("demo hello"), key: null);
        var body = await response.JsonAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        Assert.Equal("demo-simulator", response.Header("X-Upstream"));
        Assert.Contains("Simulated answer to: demo hello", body.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        Assert.Empty(gw.Simulator.Requests); // the fixture's own simulator was not used: the in-process demo answered

        using var health = await gw.Client.GetAsync("healthz");
        Assert.Equal("demo-simulator", (await health.JsonAsync()).GetProperty("upstream").GetString());
        Assert.Equal("demo-simulator", health.Header("X-Upstream"));
    }

    [Fact]
    public async Task ProductionHost_WithoutUpstreamKey_RefusesAndNamesTheDemoLauncher()
    {
        // Gateway.Host does not reference the simulator: outside Production, without a key, it says where the demo is.
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => GatewayFixture.StartAsync(new Dictionary<string, string?>
        {
            ["ANTHROPIC_API_KEY"] = null,
            ["GATEWAY_API_KEY"] = null,
        }, "Development", demoLauncher: false));
        Assert.StartsWith("Invalid configuration", error.Message);
        Assert.Contains("ANTHROPIC_API_KEY", error.Message);
        Assert.Contains("src/Gateway.Demo", error.Message);
    }
}
