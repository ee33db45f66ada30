using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Host.Tests.Infrastructure;

namespace Gateway.Host.Tests.Integration;

/// <summary>A gateway with a 1 MB body limit (so a drain cap of 4 MB), so 413 is quick to provoke.</summary>
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
        // The upstream would answer after 30 s; the gateway gives up after its 1 s timeout. The bound sits far from both, so a
        // loaded machine's slow first request (JIT, scheduling) cannot fail it, and waiting for the upstream still would.
        var clock = Stopwatch.StartNew();
        using var response = await Gw.SendAsync(Gw.Post("v1/chat/completions", Http.Chat("slow start [[sim:delay 30000]]", stream).ToJsonString()), TimeSpan.FromSeconds(25));
        var error = await response.AssertOpenAiErrorAsync(504, "upstream_timeout");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"504 took {clock.Elapsed}");
        Assert.Equal("timeout_error", error.GetProperty("type").GetString());
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
        // Expect: 100-continue (curl sends it for bodies over 1 MB): the 413 comes before the upload, nothing is drained.
        // Bodies uploaded whole without it: BodyOverLimit_UploadedWhole_Is413OpenAiShape.
        var request = Gw.Post("v1/chat/completions", Http.Chat(big).ToJsonString());
        request.Headers.ExpectContinue = true;
        using var response = await Gw.SendAsync(request);
        var error = await response.AssertOpenAiErrorAsync(413, "request_too_large");
        Assert.DoesNotContain(Gw.Simulator.Requests, r => r.Body.Length > 1024 * 1024);
    }

    /// <summary>1.5x the 1 MB limit, uploaded whole with no <c>Expect: 100-continue</c> (what most SDKs do).</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task BodyOverLimit_UploadedWhole_Is413OpenAiShape(bool chunked)
    {
        var marker = "too-large-" + Guid.NewGuid().ToString("N");
        var json = Encoding.UTF8.GetBytes(Http.Chat(marker + " " + new string('a', 1536 * 1024)).ToJsonString());
        var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = new UploadContent(json, chunked) };
        request.Headers.Authorization = new("Bearer", GatewayFixture.GatewayKey);
        Assert.Null(request.Headers.ExpectContinue);

        using var response = await Gw.SendAsync(request);
        var error = await response.AssertOpenAiErrorAsync(413, "request_too_large");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal(JsonValueKind.Null, error.GetProperty("param").ValueKind);
        Assert.DoesNotContain(Gw.Simulator.Requests, r => r.Body.Contains(marker, StringComparison.Ordinal));
        // The body was read to its end, so the connection stays open for the next request.
        Assert.NotEqual(true, response.Headers.ConnectionClose);
    }

    /// <summary>
    /// The same over a raw socket: the whole request written first (no reading while writing, unlike HttpClient), then the
    /// answer read; then a second request on the same connection, which the drain kept usable.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task BodyOverLimit_RawSocketWritesAllThenReads_Is413OpenAiShape(bool chunked)
    {
        var marker = "too-large-raw-" + Guid.NewGuid().ToString("N");
        var json = Encoding.UTF8.GetBytes(Http.Chat(marker + " " + new string('a', 1536 * 1024)).ToJsonString());
        using var socket = new System.Net.Sockets.TcpClient();
        await socket.ConnectAsync(Gw.BaseUrl.Host, Gw.BaseUrl.Port);
        var stream = socket.GetStream();
        using var cts = new CancellationTokenSource(Http.Deadline);
        var head = $"POST /v1/chat/completions HTTP/1.1\r\nHost: {Gw.BaseUrl.Authority}\r\nAuthorization: Bearer {GatewayFixture.GatewayKey}\r\n" +
                   "Content-Type: application/json\r\n" +
                   (chunked ? "Transfer-Encoding: chunked\r\n\r\n" : $"Content-Length: {json.Length}\r\n\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), cts.Token);
        for (var offset = 0; offset < json.Length; offset += 64 * 1024)
        {
            var piece = json.AsMemory(offset, Math.Min(64 * 1024, json.Length - offset));
            if (chunked) await stream.WriteAsync(Encoding.ASCII.GetBytes($"{piece.Length:x}\r\n"), cts.Token);
            await stream.WriteAsync(piece, cts.Token);
            if (chunked) await stream.WriteAsync("\r\n"u8.ToArray(), cts.Token);
        }
        if (chunked) await stream.WriteAsync("0\r\n\r\n"u8.ToArray(), cts.Token);

        var tooLarge = await RawResponse.ReadAsync(stream, cts.Token);
        Assert.True(tooLarge.Status == 413, $"{tooLarge.Head}\n{tooLarge.Body}");
        var error = JsonDocument.Parse(tooLarge.Body).RootElement.GetProperty("error");
        Assert.Equal("request_too_large", error.GetProperty("code").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        Assert.Equal(JsonValueKind.Null, error.GetProperty("param").ValueKind);
        Assert.False(tooLarge.ClosesConnection, tooLarge.Head);

        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET /v1/models HTTP/1.1\r\nHost: {Gw.BaseUrl.Authority}\r\nAuthorization: Bearer {GatewayFixture.GatewayKey}\r\n\r\n"), cts.Token);
        var next = await RawResponse.ReadAsync(stream, cts.Token);
        Assert.True(next.Status == 200, $"{next.Head}\n{next.Body}");
    }

    /// <summary>Declared beyond the drain cap (4x the limit by default): the gateway answers at once and closes, without waiting for the body.</summary>
    [Fact]
    public async Task DeclaredBodyBeyondDrainCap_Is413WithoutWaitingForTheBody()
    {
        using var socket = new System.Net.Sockets.TcpClient();
        await socket.ConnectAsync(Gw.BaseUrl.Host, Gw.BaseUrl.Port);
        var stream = socket.GetStream();
        var head = $"POST /v1/chat/completions HTTP/1.1\r\nHost: {Gw.BaseUrl.Authority}\r\nAuthorization: Bearer {GatewayFixture.GatewayKey}\r\n" +
                   $"Content-Type: application/json\r\nContent-Length: {64L * 1024 * 1024}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head)); // and no body: the answer must not wait for it

        using var cts = new CancellationTokenSource(Http.Deadline);
        var response = await RawResponse.ReadAsync(stream, cts.Token);
        Assert.True(response.Status == 413, $"{response.Head}\n{response.Body}");
        Assert.True(response.ClosesConnection, response.Head);
        Assert.Equal("request_too_large", JsonDocument.Parse(response.Body).RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    /// <summary>A JSON body sent in 64 KB writes, with a Content-Length or chunked (no length known in advance).</summary>
    private sealed class UploadContent : HttpContent
    {
        private readonly byte[] _body;
        private readonly bool _chunked;

        public UploadContent(byte[] body, bool chunked)
        {
            _body = body;
            _chunked = chunked;
            Headers.ContentType = new("application/json");
        }

        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            for (var offset = 0; offset < _body.Length; offset += 64 * 1024)
                await stream.WriteAsync(_body.AsMemory(offset, Math.Min(64 * 1024, _body.Length - offset)));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = _body.Length;
            return !_chunked;
        }
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
        var sse = await SseStream.ReadAsync(response, Http.Deadline);
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
        // ~30+ events at 2 s each: the full stream would take over a minute, far beyond the bounds below.
        var request = Gw.Post("v1/chat/completions", Http.Chat($"{marker} [[sim:slow 2000]] [[sim:text \"{words}\"]]", stream: true).ToJsonString());
        var clock = Stopwatch.StartNew();
        var response = await Gw.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var stream = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[256];
        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20)))
            Assert.True(await stream.ReadAsync(buffer, cts.Token) > 0);
        response.Dispose(); // closes the connection mid-stream

        // The gateway logs the request as client_disconnected, and the simulator's request ends (it is recorded when it ends).
        var deadline = DateTime.UtcNow.AddSeconds(25);
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
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(50), $"took {clock.Elapsed}");
    }
}
