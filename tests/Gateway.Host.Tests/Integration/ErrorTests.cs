using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Host.Tests.Infrastructure;

namespace Gateway.Host.Tests.Integration;

/// <summary>A gateway with a 1 MB body limit, so 413 is quick to provoke.</summary>
public sealed class StrictLimitsGateway : GatewayClassFixture
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["MAX_REQUEST_BODY_MB"] = "1" };
}

/// <summary>A gateway with a 1 s first-byte timeout (alone: on a loaded machine 1 s is too tight for other tests' upstream calls).</summary>
public sealed class FirstByteTimeoutGateway : GatewayClassFixture
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["UPSTREAM_TIMEOUT_SECONDS"] = "1" };
}

public sealed class FirstByteTimeoutTests(FirstByteTimeoutGateway fixture) : IClassFixture<FirstByteTimeoutGateway>
{
    private GatewayFixture Gw => fixture.Gateway;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task FirstByteTimeout_Is504Quickly(bool stream)
    {
        var clock = Stopwatch.StartNew();
        using var response = await Gw.SendAsync(Gw.Post("v1/chat/completions", Http.Chat("slow start [[sim:delay 3000]]", stream).ToJsonString()), TimeSpan.FromSeconds(10));
        var error = await response.AssertOpenAiErrorAsync(504, "upstream_timeout");
        Assert.Equal("timeout_error", error.GetProperty("type").GetString());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2.8), $"504 took {clock.Elapsed}");
    }
}

/// <summary>Client errors, upstream errors, timeouts, mid-stream failures and client disconnects: always OpenAI-shaped, never a hang.</summary>
public sealed class ErrorTests(StrictLimitsGateway fixture) : IClassFixture<StrictLimitsGateway>
{
    private GatewayFixture Gw => fixture.Gateway;

    [Theory]
    [InlineData("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",")]
    [InlineData("not json at all")]
    [InlineData("")]
    [InlineData("[1,2,3]")]
    public async Task MalformedJson_Is400OpenAiShape(string body)
    {
        using var response = await Gw.PostAsync("v1/chat/completions", body);
        var error = await response.AssertOpenAiErrorAsync(400);
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task NTwo_Is400WithParamN(bool stream)
    {
        using var response = await Gw.PostAsync("v1/chat/completions", Http.Chat("two answers", stream, extra: new JsonObject { ["n"] = 2 }));
        var error = await response.AssertOpenAiErrorAsync(400);
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal("n", error.GetProperty("param").GetString());
    }

    [Fact]
    public async Task MissingMessages_Is400NamingMessages()
    {
        using var response = await Gw.PostAsync("v1/chat/completions", """{"model":"gpt-4o"}""");
        var error = await response.AssertOpenAiErrorAsync(400);
        Assert.Contains("messages", error.GetProperty("message").GetString() + error.GetProperty("param").GetString());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Upstream529_Is503Overloaded(bool stream)
    {
        using var response = await Gw.PostAsync("v1/chat/completions", Http.Chat("busy [[sim:error 529 overloaded_error]]", stream));
        var error = await response.AssertOpenAiErrorAsync(503, "overloaded");
        Assert.Equal("overloaded_error", error.GetProperty("type").GetString());
    }

    [Theory]
    [InlineData("[[sim:error 429 rate_limit_error]]", "7", false)]
    [InlineData("[[sim:error 429 rate_limit_error 3]]", "3", true)]
    public async Task Upstream429_Is429WithRetryAfter(string directive, string retryAfter, bool stream)
    {
        using var response = await Gw.PostAsync("v1/chat/completions", Http.Chat($"limited {directive}", stream));
        var error = await response.AssertOpenAiErrorAsync(429, "rate_limit_exceeded");
        Assert.Equal("rate_limit_error", error.GetProperty("type").GetString());
        Assert.Equal(retryAfter, response.Header("Retry-After"));
    }

    [Fact]
    public async Task Upstream401Directive_Is401()
    {
        using var response = await Gw.PostAsync("v1/chat/completions", Http.Chat("who am i [[sim:error 401 authentication_error]]"));
        var error = await response.AssertOpenAiErrorAsync(401, "upstream_auth");
        Assert.DoesNotContain(GatewayFixture.UpstreamKey, error.ToString());
    }

    [Theory]
    [InlineData("v1/completions")]
    [InlineData("v1/embeddings")]
    [InlineData("v1/chat/completions/extra")]
    public async Task UnknownV1Route_Is404OpenAiShape(string path)
    {
        using var response = await Gw.PostAsync(path, "{}");
        var error = await response.AssertOpenAiErrorAsync(404);
        Assert.Equal("not_found_error", error.GetProperty("type").GetString());
    }

    [Fact]
    public async Task BodyOverLimit_Is413()
    {
        var big = new string('a', 1024 * 1024 + 4096);
        // Expect: 100-continue (curl sends it for bodies over 1 MB): the 413 comes before the upload. Without it Kestrel answers
        // 413 and closes the connection while HttpClient is still writing, which surfaces as a broken pipe instead of the status.
        var request = Gw.Post("v1/chat/completions", Http.Chat(big).ToJsonString());
        request.Headers.ExpectContinue = true;
        using var response = await Gw.SendAsync(request);
        var error = await response.AssertOpenAiErrorAsync(413, "request_too_large");
        Assert.DoesNotContain(Gw.Simulator.Requests, r => r.Body.Length > 1024 * 1024);
    }

    [Fact]
    public async Task BodyJustUnderLimit_Is200()
    {
        var text = "under-limit " + new string('b', 900 * 1024);
        using var response = await Gw.PostAsync("v1/chat/completions", Http.Chat(text));
        var body = await response.JsonAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
    }

    [Fact]
    public async Task MidStreamError_EndsWithErrorPayloadAndDone()
    {
        using var response = await Gw.PostAsync("v1/chat/completions", Http.Chat("go [[sim:stream-error overloaded_error]]", stream: true));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sse = await SseStream.ReadAsync(response, TimeSpan.FromSeconds(10));
        Assert.Equal("[DONE]", sse.Data[^1]);
        var errorPayload = JsonDocument.Parse(sse.Data[^2]).RootElement;
        var error = errorPayload.GetProperty("error");
        Assert.Equal("overloaded_error", error.GetProperty("type").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        // The deltas before the failure were delivered.
        Assert.Equal("assistant", sse.ChoiceChunks[0].GetProperty("choices")[0].GetProperty("delta").GetProperty("role").GetString());
        Assert.NotEmpty(sse.Content);
        Assert.Single(sse.Json, j => j.TryGetProperty("error", out _));
    }

    [Fact]
    public async Task ClientDisconnect_DuringSlowStream_GatewayStopsUpstream()
    {
        var marker = "disconnect-" + Guid.NewGuid().ToString("N");
        var words = string.Join(' ', Enumerable.Range(0, 80).Select(i => $"word{i}"));
        // ~30+ events at 500 ms each: the full stream would take well over 15 s.
        var request = Gw.Post("v1/chat/completions", Http.Chat($"{marker} [[sim:slow 500]] [[sim:text \"{words}\"]]", stream: true).ToJsonString());
        var clock = Stopwatch.StartNew();
        var response = await Gw.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var stream = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[256];
        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
            Assert.True(await stream.ReadAsync(buffer, cts.Token) > 0);
        response.Dispose(); // closes the connection mid-stream

        // The gateway logs the request as client_disconnected, and the simulator's request ends (it is recorded when it ends).
        var deadline = DateTime.UtcNow.AddSeconds(8);
        string? summary = null;
        while (DateTime.UtcNow < deadline)
        {
            summary = Gw.Logs.Events.Where(e => e.Properties.ContainsKey("ErrorType") && e.Properties["ErrorType"].ToString().Contains("client_disconnected"))
                .Select(e => e.RenderMessage()).FirstOrDefault();
            if (summary is not null && Gw.Simulator.Requests.Any(r => r.Body.Contains(marker, StringComparison.Ordinal))) break;
            await Task.Delay(100);
        }
        Assert.True(summary is not null, "no request summary with ErrorType client_disconnected:\n" + Gw.Logs.AllText());
        Assert.True(Gw.Simulator.Requests.Any(r => r.Body.Contains(marker, StringComparison.Ordinal)), "the upstream stream was not stopped");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(12), $"took {clock.Elapsed}");
    }
}
