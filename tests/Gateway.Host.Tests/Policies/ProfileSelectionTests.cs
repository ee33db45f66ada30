using Gateway.Host.Tests.Infrastructure;

namespace Gateway.Host.Tests.Policies;

/// <summary>
/// The policy layer as a client sees it through the real host: X-Policy-Version / X-Profile / X-Model-Source on completions,
/// Opus routing reaching the simulator, and profile selection by key hash, header and model prefix (with the 403 for a key
/// that tries to escape its profile). Shipped policies plus the fixture's key-bound <c>team</c> profile.
/// </summary>
[Collection(ShippedPoliciesCollection.Name)]
public sealed class ProfileSelectionTests(ShippedPoliciesGateway fixture)
{
    private PolicyGateway P => fixture.Gateway;

    private static Dictionary<string, string> ProfileHeader(string name) => new() { ["X-Gateway-Profile"] = name };

    [Fact]
    public async Task Completion_CarriesPolicyVersionProfileAndModelSource()
    {
        using var response = await P.ChatAsync("headers-plain hello");
        var body = await response.JsonAsync();
        Assert.True(response.IsSuccessStatusCode, body.ToString());
        Assert.Matches(PolicyGateway.VersionPattern(), response.Header("X-Policy-Version"));
        Assert.Equal("default", response.Header("X-Profile"));
        Assert.Equal("alias", response.Header("X-Model-Source")); // gpt-4o is an alias of the default model
        Assert.Equal("claude-sonnet-5-5", P.UpstreamModel("headers-plain"));

        var admin = await P.AdminPoliciesAsync();
        Assert.Equal(admin.GetProperty("version").GetString(), response.Header("X-Policy-Version"));
    }

    [Fact]
    public async Task PolicyVersion_IsOnEveryResponse_NotOnlyCompletions()
    {
        using var health = await P.Gw.Client.GetAsync("healthz");
        Assert.Matches(PolicyGateway.VersionPattern(), health.Headers.GetValues("X-Policy-Version").Single());
        using var unauthorized = await P.ChatAsync("no key", key: null);
        Assert.Equal(401, (int)unauthorized.StatusCode);
        Assert.Matches(PolicyGateway.VersionPattern(), unauthorized.Header("X-Policy-Version"));
    }

    [Fact]
    public async Task OpusMarker_OnDefault_RoutesToOpus_AndSaysSo()
    {
        using var response = await P.ChatAsync("[opus] routing-marker explain the rate limiter");
        var body = await response.JsonAsync();
        Assert.True(response.IsSuccessStatusCode, body.ToString());
        Assert.Equal("default", response.Header("X-Profile"));
        Assert.Equal("routed:opus-heuristics:marker", response.Header("X-Model-Source"));
        Assert.Equal("claude-opus-5-5", P.UpstreamModel("routing-marker"));
    }

    [Fact]
    public async Task Stream_CarriesPolicyHeadersToo()
    {
        using var response = await P.ChatAsync("[opus] routing-stream hi", stream: true);
        Assert.True(response.IsSuccessStatusCode);
        Assert.Equal("routed:opus-heuristics:marker", response.Header("X-Model-Source"));
        Assert.Equal("default", response.Header("X-Profile"));
        Assert.Matches(PolicyGateway.VersionPattern(), response.Header("X-Policy-Version"));
        var sse = await SseStream.ReadAsync(response);
        Assert.Equal("[DONE]", sse.Data[^1]);
    }

    [Fact]
    public async Task KeyHash_SelectsTheBoundProfile_AcmeNeverGetsOpus()
    {
        using var response = await P.ChatAsync("[opus] select-key-acme design the architecture of a new billing service", model: "claude-sonnet-5-5", key: PolicyGateway.AcmeKey);
        var body = await response.JsonAsync();
        Assert.True(response.IsSuccessStatusCode, body.ToString());
        Assert.Equal("acme", response.Header("X-Profile"));
        Assert.DoesNotContain("routed:", response.Header("X-Model-Source") ?? "");
        Assert.Equal("claude-sonnet-5-5", P.UpstreamModel("select-key-acme"));
    }

    [Fact]
    public async Task KeyHash_SecondKeyOfTheGateway_SelectsItsOwnProfile_TheFirstKeyStaysOnDefault()
    {
        using (var team = await P.ChatAsync("select-key-team hi", key: PolicyGateway.TeamKey))
        {
            Assert.True(team.IsSuccessStatusCode);
            Assert.Equal("team", team.Header("X-Profile"));
        }
        using var plain = await P.ChatAsync("select-key-plain hi", key: GatewayFixture.GatewayKey);
        Assert.True(plain.IsSuccessStatusCode);
        Assert.Equal("default", plain.Header("X-Profile"));
    }

    [Fact]
    public async Task Header_SelectsProfile()
    {
        using var response = await P.ChatAsync("select-header hi", headers: ProfileHeader("research"));
        var body = await response.JsonAsync();
        Assert.True(response.IsSuccessStatusCode, body.ToString());
        Assert.Equal("research", response.Header("X-Profile"));
    }

    [Fact]
    public async Task ModelPrefix_SelectsProfile_AndIsStrippedUpstream()
    {
        using var response = await P.ChatAsync("select-prefix hi", model: "research/claude-sonnet-4-5");
        var body = await response.JsonAsync();
        Assert.True(response.IsSuccessStatusCode, body.ToString());
        Assert.Equal("research", response.Header("X-Profile"));
        var upstream = P.UpstreamModel("select-prefix");
        Assert.DoesNotContain("research/", upstream);
        Assert.StartsWith("claude-sonnet-4-5", upstream);
    }

    [Fact]
    public async Task BoundKey_WithOverrideAllowed_MaySelectAnotherProfileByHeader()
    {
        using var response = await P.ChatAsync("select-team-override hi", key: PolicyGateway.TeamKey, headers: ProfileHeader("research"));
        Assert.True(response.IsSuccessStatusCode);
        Assert.Equal("research", response.Header("X-Profile"));
    }

    [Theory]
    [InlineData("header")]
    [InlineData("prefix")]
    public async Task BoundKey_EscapingItsProfile_Is403_AndNothingGoesUpstream(string how)
    {
        var marker = $"escape-{how}-{Guid.NewGuid():N}";
        using var response = how == "header"
            ? await P.ChatAsync(marker, model: "claude-sonnet-5-5", key: PolicyGateway.AcmeKey, headers: ProfileHeader("research"))
            : await P.ChatAsync(marker, model: "research/claude-sonnet-5-5", key: PolicyGateway.AcmeKey);
        var error = await response.AssertOpenAiErrorAsync(403, "profile_not_allowed");
        Assert.Equal("permission_error", error.GetProperty("type").GetString());
        Assert.Contains("bound to profile 'acme'", error.GetProperty("message").GetString());
        Assert.Matches(PolicyGateway.VersionPattern(), response.Header("X-Policy-Version"));
        Assert.DoesNotContain(P.Gw.Simulator.Requests, r => r.Body.Contains(marker, StringComparison.Ordinal));
    }

    [Fact]
    public async Task UnknownProfileHeader_Is403_NotSilentlyDefault()
    {
        var marker = $"unknown-header-{Guid.NewGuid():N}";
        using var response = await P.ChatAsync(marker, headers: ProfileHeader("no-such-profile"));
        var error = await response.AssertOpenAiErrorAsync(403, "profile_not_allowed");
        Assert.Contains("no-such-profile", error.GetProperty("message").GetString());
        Assert.DoesNotContain(P.Gw.Simulator.Requests, r => r.Body.Contains(marker, StringComparison.Ordinal));
    }
}
