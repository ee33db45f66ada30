using System.Net;
using System.Text.Json;
using Gateway.Host.Tests.Infrastructure;

namespace Gateway.Host.Tests.Integration;

/// <summary>Non-stream completions, model sources, both route prefixes, /models and health, over real loopback HTTP.</summary>
public sealed class CompletionTests(DefaultGateway fixture) : IClassFixture<DefaultGateway>
{
    private GatewayFixture Gw => fixture.Gateway;

    [Theory]
    [InlineData("v1/chat/completions")]
    [InlineData("chat/completions")]
    public async Task Completion_Text_HasOpenAiShape(string path)
    {
        using var response = await Gw.PostAsync(path, Http.Chat("Say hello completion-shape"));
        var body = await response.JsonAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.ToString());

        Assert.StartsWith("chatcmpl", body.GetProperty("id").GetString());
        Assert.Equal("chat.completion", body.GetProperty("object").GetString());
        var created = body.GetProperty("created").GetInt64();
        Assert.InRange(created, DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds());
        Assert.StartsWith("claude-sonnet-4-5", body.GetProperty("model").GetString());

        var choice = Assert.Single(body.GetProperty("choices").EnumerateArray());
        Assert.Equal(0, choice.GetProperty("index").GetInt32());
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
        var message = choice.GetProperty("message");
        Assert.Equal("assistant", message.GetProperty("role").GetString());
        Assert.Contains("Simulated answer to: Say hello completion-shape", message.GetProperty("content").GetString());

        var usage = body.GetProperty("usage");
        var prompt = usage.GetProperty("prompt_tokens").GetInt32();
        var completion = usage.GetProperty("completion_tokens").GetInt32();
        Assert.True(prompt > 0 && completion > 0, usage.ToString());
        Assert.Equal(prompt + completion, usage.GetProperty("total_tokens").GetInt32());
        Assert.Equal(0, usage.GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32());

        Assert.StartsWith("claude-gateway/", response.Header("X-Gateway"));
        Assert.Equal("requested", response.Header("X-Model-Source"));
        Assert.Null(response.Header("X-Upstream")); // a real upstream key: not the demo
    }

    [Theory]
    [InlineData("claude-sonnet-4-5", "requested", "claude-sonnet-4-5")]
    [InlineData("gpt-4o", "alias", "claude-sonnet-5-5")]
    [InlineData("o3", "alias", "claude-opus-5-5")]
    [InlineData("some-unknown-model", "default", "claude-sonnet-5-5")]
    public async Task Completion_ModelSource_SaysWhyAndSendsThatModel(string requested, string source, string upstreamModel)
    {
        var marker = $"model-source-{requested}";
        using var response = await Gw.PostAsync("v1/chat/completions", Http.Chat(marker, model: requested));
        var body = await response.JsonAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        Assert.Equal(source, response.Header("X-Model-Source"));

        var upstream = JsonDocument.Parse(Gw.Upstream(marker).Body).RootElement;
        // A catalogue alias id (claude-sonnet-4-5) may be sent as its dated snapshot id.
        Assert.StartsWith(upstreamModel, upstream.GetProperty("model").GetString());
        Assert.Equal(200, Gw.Upstream(marker).Status);
    }

    [Fact]
    public async Task Completion_NoModel_UsesDefault()
    {
        using var response = await Gw.PostAsync("v1/chat/completions", """{"messages":[{"role":"user","content":"no-model-given"}]}""");
        var body = await response.JsonAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        Assert.Equal("default", response.Header("X-Model-Source"));
    }

    [Theory]
    [InlineData("v1/models")]
    [InlineData("models")]
    public async Task Models_ListShape_IncludesClaudeAndAliases(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new("Bearer", GatewayFixture.GatewayKey);
        using var response = await Gw.SendAsync(request);
        var body = await response.JsonAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("list", body.GetProperty("object").GetString());
        var models = body.GetProperty("data").EnumerateArray().ToList();
        foreach (var m in models)
        {
            Assert.Equal("model", m.GetProperty("object").GetString());
            Assert.Equal(JsonValueKind.Number, m.GetProperty("created").ValueKind);
            Assert.False(string.IsNullOrEmpty(m.GetProperty("owned_by").GetString()));
        }
        var ids = models.Select(m => m.GetProperty("id").GetString()).ToList();
        Assert.Contains("gpt-4o", ids);
        Assert.Contains("claude-sonnet-5-5", ids);
        Assert.Contains("claude-opus-5-5", ids);
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.StartsWith("claude-gateway/", response.Header("X-Gateway"));
    }

    [Theory]
    [InlineData("healthz", "ok")]
    [InlineData("readyz", "ready")]
    public async Task Health_NoKeyNeeded(string path, string status)
    {
        using var response = await Gw.Client.GetAsync(path);
        var body = await response.JsonAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(status, body.GetProperty("status").GetString());
        Assert.Equal("anthropic", body.GetProperty("upstream").GetString());
        Assert.StartsWith("claude-gateway/", response.Header("X-Gateway"));
    }

    [Fact]
    public async Task Models_WithoutKey_Is401()
    {
        using var response = await Gw.Client.GetAsync("v1/models");
        await response.AssertOpenAiErrorAsync(401, "missing_api_key");
    }
}
