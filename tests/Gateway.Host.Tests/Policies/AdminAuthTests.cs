using System.Text.Json;
using Gateway.Host.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace Gateway.Host.Tests.Policies;

/// <summary>
/// <c>/admin/policies</c>: only the admin key opens it (Bearer or X-Admin-Key), never a gateway key; without ADMIN_API_KEY it
/// does not exist (404); start-up refuses an admin key equal to a gateway key.
/// </summary>
[Collection(ShippedPoliciesCollection.Name)]
public sealed class AdminAuthTests(ShippedPoliciesGateway fixture)
{
    private PolicyGateway P => fixture.Gateway;

    private async Task<int> StatusAsync(HttpMethod method, string path, string? header, string? value)
    {
        using var request = new HttpRequestMessage(method, path);
        if (header is not null) request.Headers.TryAddWithoutValidation(header, value);
        using var response = await P.Gw.SendAsync(request);
        if ((int)response.StatusCode == 401) await response.AssertOpenAiErrorAsync(401, "invalid_admin_key");
        return (int)response.StatusCode;
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("Authorization", "Bearer " + GatewayFixture.GatewayKey)]
    [InlineData("Authorization", "Bearer " + PolicyGateway.AcmeKey)]
    [InlineData("X-Admin-Key", GatewayFixture.GatewayKey)]
    [InlineData("X-API-Key", GatewayFixture.GatewayKey)]
    [InlineData("Authorization", "Bearer admin-test-key-e91f0")]
    [InlineData("X-Admin-Key", PolicyGateway.AdminKey + "x")]
    [InlineData("Authorization", "Basic " + PolicyGateway.AdminKey)]
    public async Task WithoutTheAdminKey_Is401(string? header, string? value)
    {
        Assert.Equal(401, await StatusAsync(HttpMethod.Get, "admin/policies", header, value));
        Assert.Equal(401, await StatusAsync(HttpMethod.Post, "admin/policies/reload", header, value));
    }

    [Theory]
    [InlineData("Authorization", "Bearer " + PolicyGateway.AdminKey)]
    [InlineData("X-Admin-Key", PolicyGateway.AdminKey)]
    public async Task AdminKey_Opens_BothForms(string header, string value)
    {
        Assert.Equal(200, await StatusAsync(HttpMethod.Get, "admin/policies", header, value));
        Assert.Equal(200, await StatusAsync(HttpMethod.Post, "admin/policies/reload", header, value));
    }

    [Fact]
    public async Task AdminKey_IsNotAGatewayKey()
    {
        using var response = await P.ChatAsync("admin-key-as-client", key: PolicyGateway.AdminKey);
        await response.AssertOpenAiErrorAsync(401);
    }

    [Fact]
    public async Task AdminPolicies_DescribesTheActiveSnapshot()
    {
        var admin = await P.AdminPoliciesAsync();
        Assert.Matches(PolicyGateway.VersionPattern(), admin.GetProperty("version").GetString());
        Assert.Equal(P.Dir.Root, admin.GetProperty("directory").GetString());
        var profiles = admin.GetProperty("profiles").EnumerateArray().Select(p => p.GetProperty("name").GetString()).ToList();
        Assert.Equal(["acme", "default", "research", "team"], profiles.Order().ToList());
        var files = admin.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("path").GetString()).ToList();
        Assert.Contains("profiles/default.yaml", files);
        Assert.Contains("rules/long-sessions-to-opus.csx", files);
        Assert.Contains(admin.GetProperty("rules").EnumerateArray(), r => r.GetProperty("id").GetString() == "long-sessions-to-opus");
        Assert.Equal(JsonValueKind.Null, admin.GetProperty("last_reload_error").ValueKind);
        Assert.True(admin.GetProperty("last_reload").GetProperty("succeeded").GetBoolean());
    }

    [Fact]
    public async Task WithoutAdminKeyConfigured_AdminEndpointsAre404_EvenWithAKey()
    {
        await using var gw = await PolicyGateway.StartAsync(PolicyDirectory.Create(), new Dictionary<string, string?> { ["ADMIN_API_KEY"] = null });
        foreach (var (method, path) in new[] { (HttpMethod.Get, "admin/policies"), (HttpMethod.Post, "admin/policies/reload") })
        {
            using var request = new HttpRequestMessage(method, path);
            request.Headers.Authorization = new("Bearer", GatewayFixture.GatewayKey);
            using var response = await gw.Gw.SendAsync(request);
            Assert.Equal(404, (int)response.StatusCode);
            using var anonymous = await gw.Gw.SendAsync(new HttpRequestMessage(method, path));
            Assert.Equal(404, (int)anonymous.StatusCode);
        }
    }

    [Fact]
    public async Task StartUp_RefusesAnAdminKeyEqualToAGatewayKey()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => GatewayApp.BuildAsync(
            ["--urls", "http://127.0.0.1:0", "--environment", "Production"],
            builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ANTHROPIC_API_KEY"] = GatewayFixture.UpstreamKey,
                ["ANTHROPIC_BASE_URL"] = "http://127.0.0.1:9/",
                ["GATEWAY_API_KEY"] = $"{GatewayFixture.GatewayKey},second-key-77",
                ["ADMIN_API_KEY"] = "second-key-77",
                ["POLICY_DIR"] = PolicyDirectory.ShippedPolicies,
            })));
        Assert.Contains("ADMIN_API_KEY", error.Message);
    }
}
