using System.Net;
using Gateway.Host.Tests.Infrastructure;

namespace Gateway.Host.Tests.Integration;

public sealed class SecretsGateway : GatewayClassFixture
{
    public const string Secret = "origin-secret-never-logged-77d2";
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["ORIGIN_SECRET"] = Secret };
}

/// <summary>After successes, auth failures and upstream errors, no secret appears in any log event; the request summary is there.</summary>
public sealed class SecretLoggingTests(SecretsGateway fixture) : IClassFixture<SecretsGateway>
{
    private GatewayFixture Gw => fixture.Gateway;

    [Fact]
    public async Task Logs_NeverContainSecrets_AndHaveOneSummaryPerRequest()
    {
        string[] wrongKeys = ["gw-wrong-presented-key-a1", "gw-wrong-presented-key-b2", "gw-wrong-presented-key-c3"];
        const string wrongSecret = "origin-secret-wrong-presented-9e";

        async Task<HttpStatusCode> Send(string text, bool stream = false, string? key = GatewayFixture.GatewayKey, string? secret = SecretsGateway.Secret, string header = "Authorization")
        {
            var request = Gw.Post("v1/chat/completions", Http.Chat(text, stream).ToJsonString(), key: header == "Authorization" ? key : null);
            if (header != "Authorization" && key is not null) request.Headers.TryAddWithoutValidation(header, key);
            if (secret is not null) request.Headers.TryAddWithoutValidation("X-Origin-Secret", secret);
            using var response = await Gw.SendAsync(request);
            await response.Content.ReadAsStringAsync();
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.OK, await Send("secret-run ok"));
        Assert.Equal(HttpStatusCode.OK, await Send("secret-run ok stream", stream: true));
        Assert.Equal(HttpStatusCode.Unauthorized, await Send("secret-run wrong", key: wrongKeys[0]));
        Assert.Equal(HttpStatusCode.Unauthorized, await Send("secret-run wrong", key: wrongKeys[1], header: "X-API-Key"));
        Assert.Equal(HttpStatusCode.Unauthorized, await Send("secret-run wrong", key: wrongKeys[2], header: "api-key"));
        Assert.Equal(HttpStatusCode.Forbidden, await Send("secret-run bad origin", secret: wrongSecret));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await Send("secret-run [[sim:error 529 overloaded_error]]"));
        Assert.Equal(HttpStatusCode.Unauthorized, await Send("secret-run [[sim:error 401 authentication_error]]"));
        Assert.Equal(HttpStatusCode.OK, await Send("secret-run [[sim:stream-error api_error]]", stream: true));
        Assert.Equal(HttpStatusCode.OK, await Send("secret-run echo [[sim:echo]]"));

        // The request summary is written when a response has ended, which the client can see first: wait for the last one.
        bool IsChatSummary(Serilog.Events.LogEvent e) => e.MessageTemplate.Text == Gateway.Host.Observability.GatewayLogging.SummaryTemplate
            && e.Properties["RequestPath"].ToString().Contains("/v1/chat/completions");
        var deadline = DateTime.UtcNow + Http.Deadline;
        while (Gw.Logs.Events.Count(IsChatSummary) < 10 && DateTime.UtcNow < deadline) await Task.Delay(50);

        var text = Gw.Logs.AllText();
        foreach (var secret in wrongKeys.Append(wrongSecret).Append(GatewayFixture.GatewayKey).Append(GatewayFixture.UpstreamKey).Append(SecretsGateway.Secret))
            Assert.False(text.Contains(secret, StringComparison.Ordinal), $"log contains secret '{secret}'");

        var summaries = Gw.Logs.Events.Where(e => e.MessageTemplate.Text == Gateway.Host.Observability.GatewayLogging.SummaryTemplate).ToList();
        Assert.Equal(10, summaries.Count(e => e.Properties["RequestPath"].ToString().Contains("/v1/chat/completions")));
        var ok = summaries.First(e => e.Properties["StatusCode"].ToString() == "200");
        Assert.StartsWith("\"claude-sonnet-4-5", ok.Properties["Model"].ToString());
        Assert.True(int.Parse(ok.Properties["InputTokens"].ToString()) > 0);
        Assert.True(int.Parse(ok.Properties["OutputTokens"].ToString()) > 0);
        var rendered = ok.RenderMessage();
        Assert.Contains("200", rendered);
        Assert.Contains("claude-sonnet-4-5", rendered);
        Assert.Contains("tokens in", rendered);

        var overloaded = summaries.Single(e => e.Properties["StatusCode"].ToString() == "503");
        Assert.Equal("\"overloaded\"", overloaded.Properties["ErrorType"].ToString());
        Assert.Equal(3, summaries.Count(e => e.Properties["ErrorType"].ToString() == "\"invalid_api_key\""));
        Assert.Single(summaries, e => e.Properties["ErrorType"].ToString() == "\"origin_secret_invalid\"");
    }
}
