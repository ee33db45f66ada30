using System.Text.Json;
using System.Text.RegularExpressions;
using Gateway.Host.Tests.Infrastructure;

namespace Gateway.Host.Tests.Policies;

/// <summary>A gateway on its own copy of the policies, plus the calls policy tests make: admin, versions, bounded waits.</summary>
public sealed partial class PolicyGateway : IAsyncDisposable
{
    public const string AdminKey = "admin-test-key-e91f0c";
    public const string AcmeKey = "acme-example-key";         // its SHA-256 is in the shipped acme.yaml
    public const string TeamKey = "gw-team-key-5d21";         // its SHA-256 is in the fixture team.yaml
    /// <summary>A reload compiles rule scripts (Roslyn): seconds on a loaded 2-core CI machine; a missed reload still fails.</summary>
    public static readonly TimeSpan ReloadBound = TimeSpan.FromSeconds(45);

    private PolicyGateway(PolicyDirectory dir, GatewayFixture gateway)
    {
        Dir = dir;
        Gw = gateway;
    }

    public PolicyDirectory Dir { get; }
    public GatewayFixture Gw { get; }

    /// <summary>Starts a gateway on <paramref name="dir"/> (owned from now on) with an admin key, fast polling and the extra keys.</summary>
    public static async Task<PolicyGateway> StartAsync(PolicyDirectory dir, IDictionary<string, string?>? settings = null)
    {
        var config = new Dictionary<string, string?>
        {
            ["POLICY_DIR"] = dir.Root,
            ["ADMIN_API_KEY"] = AdminKey,
            ["POLICY_POLL_MS"] = "200",
            ["GATEWAY_API_KEY"] = $"{GatewayFixture.GatewayKey},{AcmeKey},{TeamKey}",
        };
        if (settings is not null)
            foreach (var (k, v) in settings) config[k] = v;
        try
        {
            return new PolicyGateway(dir, await GatewayFixture.StartAsync(config));
        }
        catch
        {
            dir.Dispose();
            throw;
        }
    }

    [GeneratedRegex("^[0-9a-f]{12}$")]
    public static partial Regex VersionPattern();

    /// <summary>A completion with optional key and headers; returns the response (caller disposes).</summary>
    public Task<HttpResponseMessage> ChatAsync(string text, string model = "gpt-4o", string? key = GatewayFixture.GatewayKey,
        IDictionary<string, string>? headers = null, bool stream = false)
    {
        var request = Gw.Post("v1/chat/completions", Http.Chat(text, stream, model).ToJsonString(), key);
        if (headers is not null)
            foreach (var (name, value) in headers) request.Headers.TryAddWithoutValidation(name, value);
        return Gw.SendAsync(request);
    }

    /// <summary>A successful non-stream completion's X-Policy-Version.</summary>
    public async Task<string> VersionOfCompletionAsync(string marker)
    {
        using var response = await ChatAsync($"version probe {marker}");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        return response.Header("X-Policy-Version") ?? throw new Xunit.Sdk.XunitException("no X-Policy-Version");
    }

    public async Task<JsonElement> AdminPoliciesAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "admin/policies");
        request.Headers.Authorization = new("Bearer", AdminKey);
        using var response = await Gw.SendAsync(request);
        var body = await response.JsonAsync();
        Assert.True((int)response.StatusCode == 200, body.ToString());
        return body;
    }

    public async Task<(int Status, JsonElement Body)> AdminReloadAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "admin/policies/reload");
        request.Headers.TryAddWithoutValidation("X-Admin-Key", AdminKey);
        using var response = await Gw.SendAsync(request);
        return ((int)response.StatusCode, await response.JsonAsync());
    }

    /// <summary>Polls completions (every 100 ms, at most <see cref="ReloadBound"/>) until X-Policy-Version differs from <paramref name="old"/>.</summary>
    public async Task<string> WaitForNewVersionAsync(string old, string why)
    {
        var deadline = DateTime.UtcNow + ReloadBound;
        var seen = old;
        for (var i = 0; DateTime.UtcNow < deadline; i++)
        {
            seen = await VersionOfCompletionAsync($"wait-{i}");
            if (seen != old) return seen;
            await Task.Delay(100);
        }
        var admin = await AdminPoliciesAsync();
        throw new Xunit.Sdk.XunitException($"{why}: X-Policy-Version still {seen} after {ReloadBound.TotalSeconds} s. Admin: {admin}");
    }

    /// <summary>Polls GET /admin/policies until <paramref name="done"/> holds (bounded); returns that answer.</summary>
    public async Task<JsonElement> WaitForAdminAsync(Func<JsonElement, bool> done, string why)
    {
        var deadline = DateTime.UtcNow + ReloadBound;
        JsonElement last;
        do
        {
            last = await AdminPoliciesAsync();
            if (done(last)) return last;
            await Task.Delay(100);
        } while (DateTime.UtcNow < deadline);
        throw new Xunit.Sdk.XunitException($"{why}: not seen within {ReloadBound.TotalSeconds} s. Last admin answer: {last}");
    }

    /// <summary>The model the simulator received for the request whose body contains <paramref name="marker"/>.</summary>
    public string UpstreamModel(string marker) =>
        JsonDocument.Parse(Gw.Upstream(marker).Body).RootElement.GetProperty("model").GetString()!;

    public async ValueTask DisposeAsync()
    {
        await Gw.DisposeAsync();
        Dir.Dispose();
    }
}
