using System.Net;
using Gateway.Host.Tests.Infrastructure;

namespace Gateway.Host.Tests.Integration;

public sealed class MultiKeyGateway : GatewayClassFixture
{
    public const string SecondKey = "gw-second-key-0b7d";
    public const string ThirdKey = "gw-third-key-99aa";
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["GATEWAY_API_KEY"] = $"{GatewayFixture.GatewayKey}, {SecondKey} ,{ThirdKey}",
    };
}

public sealed class OriginSecretGateway : GatewayClassFixture
{
    public const string Secret = "origin-secret-4c1e8f";
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["ORIGIN_SECRET"] = Secret };
}

public sealed class CfAccessGateway : GatewayClassFixture
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["REQUIRE_CF_ACCESS_HEADERS"] = "1" };
}

/// <summary>Gateway keys: several keys, three header forms, missing and wrong keys; health needs none.</summary>
public sealed class AuthTests(MultiKeyGateway fixture) : IClassFixture<MultiKeyGateway>
{
    private GatewayFixture Gw => fixture.Gateway;

    [Theory]
    [InlineData("Authorization", "Bearer " + GatewayFixture.GatewayKey)]
    [InlineData("Authorization", "bearer " + MultiKeyGateway.SecondKey)]
    [InlineData("X-API-Key", MultiKeyGateway.ThirdKey)]
    [InlineData("api-key", MultiKeyGateway.SecondKey)]
    public async Task Key_AcceptedInEveryHeaderForm(string header, string value)
    {
        var request = Gw.Post("v1/chat/completions", Http.Chat("auth ok").ToJsonString(), key: null);
        request.Headers.TryAddWithoutValidation(header, value);
        using var response = await Gw.SendAsync(request);
        var body = await response.JsonAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
    }

    [Fact]
    public async Task Key_Missing_Is401MissingApiKey()
    {
        using var response = await Gw.PostAsync("v1/chat/completions", Http.Chat("no key"), key: null);
        var error = await response.AssertOpenAiErrorAsync(401, "missing_api_key");
        Assert.Equal("authentication_error", error.GetProperty("type").GetString());
    }

    [Theory]
    [InlineData("gw-wrong-key-1")]
    [InlineData(GatewayFixture.GatewayKey + "x")]
    [InlineData(GatewayFixture.GatewayKey + "," + MultiKeyGateway.SecondKey)]
    public async Task Key_Wrong_Is401InvalidApiKey(string key)
    {
        using var response = await Gw.PostAsync("v1/chat/completions", Http.Chat("wrong key"), key);
        var error = await response.AssertOpenAiErrorAsync(401, "invalid_api_key");
        Assert.DoesNotContain(key, error.ToString());
    }

    [Fact]
    public async Task Key_Wrong_OnModelsAndStream_Is401()
    {
        using var stream = await Gw.PostAsync("chat/completions", Http.Chat("wrong key", stream: true), "nope");
        await stream.AssertOpenAiErrorAsync(401, "invalid_api_key");
        using var request = new HttpRequestMessage(HttpMethod.Get, "models");
        request.Headers.TryAddWithoutValidation("X-API-Key", "nope");
        using var models = await Gw.SendAsync(request);
        await models.AssertOpenAiErrorAsync(401, "invalid_api_key");
    }

    [Theory]
    [InlineData("healthz")]
    [InlineData("readyz")]
    public async Task Health_NeedsNoKey(string path)
    {
        using var response = await Gw.Client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}

public sealed class OriginSecretTests(OriginSecretGateway fixture) : IClassFixture<OriginSecretGateway>
{
    private GatewayFixture Gw => fixture.Gateway;

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("origin-secret-wrong")]
    [InlineData(OriginSecretGateway.Secret + "x")]
    public async Task OriginSecret_MissingOrWrong_Is403(string? presented)
    {
        var request = Gw.Post("v1/chat/completions", Http.Chat("origin").ToJsonString());
        if (presented is not null) request.Headers.TryAddWithoutValidation("X-Origin-Secret", presented);
        using var response = await Gw.SendAsync(request);
        var error = await response.AssertOpenAiErrorAsync(403, "origin_secret_invalid");
        Assert.Equal("permission_error", error.GetProperty("type").GetString());
    }

    [Fact]
    public async Task OriginSecret_Right_Is200_ButKeyStillNeeded()
    {
        var request = Gw.Post("v1/chat/completions", Http.Chat("origin ok").ToJsonString());
        request.Headers.TryAddWithoutValidation("X-Origin-Secret", OriginSecretGateway.Secret);
        using var response = await Gw.SendAsync(request);
        var body = await response.JsonAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());

        var noKey = Gw.Post("v1/chat/completions", Http.Chat("origin no key").ToJsonString(), key: null);
        noKey.Headers.TryAddWithoutValidation("X-Origin-Secret", OriginSecretGateway.Secret);
        using var denied = await Gw.SendAsync(noKey);
        await denied.AssertOpenAiErrorAsync(401, "missing_api_key");
    }

    [Fact]
    public async Task OriginSecret_HealthNeedsNone()
    {
        using var response = await Gw.Client.GetAsync("healthz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}

public sealed class CfAccessTests(CfAccessGateway fixture) : IClassFixture<CfAccessGateway>
{
    private GatewayFixture Gw => fixture.Gateway;

    [Fact]
    public async Task CfAccess_HeaderMissing_Is403()
    {
        using var response = await Gw.PostAsync("v1/chat/completions", Http.Chat("cf"));
        await response.AssertOpenAiErrorAsync(403, "cf_access_required");
        using var models = await Gw.SendAsync(new HttpRequestMessage(HttpMethod.Get, "v1/models") { Headers = { Authorization = new("Bearer", GatewayFixture.GatewayKey) } });
        await models.AssertOpenAiErrorAsync(403, "cf_access_required");
    }

    [Fact]
    public async Task CfAccess_HeaderPresent_Is200()
    {
        var request = Gw.Post("v1/chat/completions", Http.Chat("cf ok").ToJsonString());
        request.Headers.TryAddWithoutValidation("Cf-Access-Jwt-Assertion", "eyJhbGciOiJSUzI1NiJ9.e30.sig");
        using var response = await Gw.SendAsync(request);
        var body = await response.JsonAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
    }

    [Fact]
    public async Task CfAccess_HealthNeedsNone()
    {
        using var response = await Gw.Client.GetAsync("readyz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
