using System.Text.Json.Nodes;
using Gateway.Host.Tests.Infrastructure;

namespace Gateway.Host.Tests.Economy;

/// <summary>
/// The response cache through the real host (issue 5, reduction 7), in-memory store: <c>X-Cache</c> MISS then HIT for a deterministic
/// request, nothing sent upstream on a HIT, zero usage on a HIT (nothing was billed), streamed HITs replayed as a valid SSE stream in
/// either combination with non-stream, BYPASS for sampling temperatures and for <c>CACHE_TTL_SECONDS=0</c>, answers with tool calls
/// never stored, and entries kept per profile. Every test uses its own marker, so the class's shared cache does not couple them.
/// </summary>
public sealed class ResponseCacheTests(DefaultGateway fixture) : IClassFixture<DefaultGateway>
{
    private GatewayFixture Gw => fixture.Gateway;

    private static string Marker(string name) => $"rc-{name}-{Guid.NewGuid():N}";

    [Fact]
    public async Task Temperature0_Twice_MissThenHit_SameContent_ZeroUsage_NoSecondUpstreamCall()
    {
        var marker = Marker("plain");
        var miss = await Completion.SendAsync(Gw, Completion.Request($"{marker} What is a monad?"));
        miss.AssertOk();
        Assert.Equal("MISS", miss.Cache);
        Assert.True(miss.PromptTokens > 0 && miss.CompletionTokens > 0, $"a MISS is billed: {miss.Usage}");
        Assert.Equal(1, Completion.UpstreamCalls(Gw, marker));

        var hit = await Completion.SendAsync(Gw, Completion.Request($"{marker} What is a monad?"));
        hit.AssertOk();
        Assert.Equal("HIT", hit.Cache);
        Assert.Equal(miss.Content, hit.Content);
        Assert.Contains("Simulated answer to:", hit.Content);
        Assert.Equal(miss.FinishReason, hit.FinishReason);
        hit.AssertZeroUsage();
        Assert.Equal(1, Completion.UpstreamCalls(Gw, marker));
        // The same headers as any completion: the policy ran, the reduction is stated.
        Assert.Equal(miss.Reduction, hit.Reduction);
    }

    [Fact]
    public async Task Stream_MissThenHit_ReplaysValidSse_WithZeroUsageChunk()
    {
        var marker = Marker("stream");
        var miss = await Completion.SendAsync(Gw, Completion.Request($"{marker} Stream a greeting", stream: true));
        miss.AssertOk();
        Assert.Equal("MISS", miss.Cache);
        miss.AssertValidStream(includeUsage: true);
        Assert.True(miss.PromptTokens > 0, $"{miss.Usage}");

        var hit = await Completion.SendAsync(Gw, Completion.Request($"{marker} Stream a greeting", stream: true));
        hit.AssertOk();
        Assert.Equal("HIT", hit.Cache);
        hit.AssertValidStream(includeUsage: true);
        Assert.Equal(miss.Content, hit.Content);
        Assert.Equal("stop", hit.FinishReason);
        hit.AssertZeroUsage();
        Assert.Equal(1, Completion.UpstreamCalls(Gw, marker));
        Assert.NotEqual(miss.Stream!.Chunks[0].GetProperty("id").GetString(), hit.Stream!.Chunks[0].GetProperty("id").GetString());
        Assert.Equal(miss.Stream.Chunks[0].GetProperty("model").GetString(), hit.Stream.Chunks[0].GetProperty("model").GetString());

        // Without include_usage the replay has no usage chunk, as a live stream.
        var plain = await Completion.SendAsync(Gw, Completion.Request($"{marker} Stream a greeting", stream: true, includeUsage: false));
        Assert.Equal("HIT", plain.Cache);
        plain.AssertValidStream(includeUsage: false);
        Assert.Equal(miss.Content, plain.Content);
        Assert.Equal(1, Completion.UpstreamCalls(Gw, marker));
    }

    [Fact]
    public async Task NonStreamMiss_ThenStreamHit()
    {
        var marker = Marker("json-then-sse");
        var miss = await Completion.SendAsync(Gw, Completion.Request($"{marker} Explain caching"));
        Assert.Equal("MISS", miss.Cache);
        Assert.Null(miss.Stream);

        var hit = await Completion.SendAsync(Gw, Completion.Request($"{marker} Explain caching", stream: true));
        hit.AssertOk();
        Assert.Equal("HIT", hit.Cache);
        hit.AssertValidStream(includeUsage: true);
        Assert.Equal(miss.Content, hit.Content);
        hit.AssertZeroUsage();
        Assert.Equal(1, Completion.UpstreamCalls(Gw, marker));
    }

    [Fact]
    public async Task StreamMiss_ThenNonStreamHit()
    {
        var marker = Marker("sse-then-json");
        var miss = await Completion.SendAsync(Gw, Completion.Request($"{marker} Explain streaming", stream: true));
        Assert.Equal("MISS", miss.Cache);
        miss.AssertValidStream(includeUsage: true);

        var hit = await Completion.SendAsync(Gw, Completion.Request($"{marker} Explain streaming"));
        hit.AssertOk();
        Assert.Equal("HIT", hit.Cache);
        Assert.Null(hit.Stream);
        Assert.Equal(miss.Content, hit.Content);
        Assert.Equal("stop", hit.FinishReason);
        hit.AssertZeroUsage();
        Assert.Equal(1, Completion.UpstreamCalls(Gw, marker));
    }

    [Theory]
    [InlineData(0.7)]
    [InlineData(null)] // unset: the API default (1) is not deterministic
    public async Task SamplingTemperature_Bypass_EveryTimeUpstream(double? temperature)
    {
        var marker = Marker("bypass");
        for (var i = 1; i <= 2; i++)
        {
            var c = await Completion.SendAsync(Gw, Completion.Request($"{marker} Write a haiku", temperature: temperature));
            c.AssertOk();
            Assert.Equal("BYPASS", c.Cache);
            Assert.True(c.PromptTokens > 0, $"{c.Usage}");
            Assert.Equal(i, Completion.UpstreamCalls(Gw, marker));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AnswerWithToolCalls_IsNotStored_SecondRequestMissesAgain(bool stream)
    {
        var marker = Marker("tools");
        var tools = new JsonArray(Http.Tool("read_file"));
        var text = $"{marker} Read the readme [[sim:tool read_file {{\"path\": \"README.md\"}}]]";
        for (var i = 1; i <= 2; i++)
        {
            var c = await Completion.SendAsync(Gw, Completion.Request(text, stream, tools: tools));
            c.AssertOk();
            Assert.Equal("MISS", c.Cache);
            Assert.Equal("tool_calls", c.FinishReason);
            Assert.True(c.PromptTokens > 0, $"{c.Usage}");
            Assert.Equal(i, Completion.UpstreamCalls(Gw, marker));
        }
    }

    [Fact]
    public async Task TextAnswer_WithToolsOffered_IsStored()
    {
        var marker = Marker("tools-offered");
        var body = Completion.Request($"{marker} No tool needed here", tools: new JsonArray(Http.Tool("read_file")));
        Assert.Equal("MISS", (await Completion.SendAsync(Gw, body)).Cache);
        var hit = await Completion.SendAsync(Gw, body);
        Assert.Equal("HIT", hit.Cache);
        hit.AssertZeroUsage();
        Assert.Equal(1, Completion.UpstreamCalls(Gw, marker));
    }

    [Theory]
    [InlineData("[[sim:error 529 overloaded_error]]", false)]
    [InlineData("[[sim:error 529 overloaded_error]]", true)]
    [InlineData("[[sim:stream-error overloaded_error]]", true)]
    [InlineData("[[sim:refusal]]", false)]
    [InlineData("[[sim:refusal]]", true)]
    public async Task FailedOrRefusedAnswer_IsNotStored_SecondRequestGoesUpstreamAgain(string directive, bool stream)
    {
        var marker = Marker("failed");
        var body = Completion.Request($"{marker} Tell me a fact {directive}", stream);
        for (var i = 1; i <= 2; i++)
        {
            var c = await Completion.SendAsync(Gw, body);
            Assert.Equal("MISS", c.Cache);
            Assert.NotNull(c.Reduction);
            Assert.Equal(i, Completion.UpstreamCalls(Gw, marker));
        }
    }

    [Fact]
    public async Task ClientLeavesMidStream_PartialAnswerIsNotStored()
    {
        var marker = Marker("left");
        var story = string.Join(" ", Enumerable.Range(1, 200).Select(i => $"word{i}"));
        // 200 events 30 ms apart: ~6 s of streaming. Much faster, and on a loaded machine the whole stream could fit into the socket
        // buffers before this client gets the CPU back to hang up, leaving no disconnect for the gateway to notice.
        var body = Completion.Request($"{marker} Tell me a long story [[sim:text \"{story}\"]] [[sim:slow 30]]", stream: true);
        int Disconnects() => Gw.Logs.Events.Count(e => e.Properties.TryGetValue("ErrorType", out var v) && v.ToString().Contains("client_disconnected"));
        var before = Disconnects();

        // Read two content chunks, then hang up while the upstream is still streaming. (A client of its own that never drains: the
        // default handler would keep reading an abandoned response for up to 2 s to reuse the connection, which is no disconnect.)
        using (var client = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0, ResponseDrainTimeout = TimeSpan.Zero }) { BaseAddress = Gw.BaseUrl })
        using (var cts = new CancellationTokenSource(Http.Deadline))
        {
            using var response = await client.SendAsync(Gw.Post("v1/chat/completions", body.ToJsonString()), HttpCompletionOption.ResponseHeadersRead, cts.Token);
            Assert.Equal("MISS", response.Header("X-Cache"));
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));
            var contentChunks = 0;
            while (contentChunks < 2 && await reader.ReadLineAsync(cts.Token) is { } line)
                if (line.Contains("\"content\":\"", StringComparison.Ordinal) && !line.Contains("\"content\":\"\"", StringComparison.Ordinal)) contentChunks++;
            Assert.Equal(2, contentChunks);
        }
        var until = DateTime.UtcNow.AddSeconds(30);
        while (Disconnects() == before && DateTime.UtcNow < until) await Task.Delay(50);
        Assert.True(Disconnects() > before, "the gateway never noticed the client leaving: " + string.Join("\n", Gw.Logs.Events.TakeLast(3).Select(e => e.RenderMessage() + " " + string.Join(" ", e.Properties.Select(p => $"{p.Key}={p.Value}")))));

        // The same request again: not a HIT with the half answer, but a MISS answered in full, and then a HIT with the full text.
        var full = await Completion.SendAsync(Gw, body);
        Assert.Equal("MISS", full.Cache);
        full.AssertValidStream(includeUsage: true);
        Assert.Equal(2, Completion.UpstreamCalls(Gw, marker));
        var hit = await Completion.SendAsync(Gw, body);
        Assert.Equal("HIT", hit.Cache);
        Assert.Equal(full.Content, hit.Content);
    }

    [Fact]
    public async Task DifferentProfile_Misses_ThenHitsItsOwnEntry()
    {
        var marker = Marker("profile");
        var body = Completion.Request($"{marker} Summarize the plan");
        var first = await Completion.SendAsync(Gw, body);
        Assert.Equal("MISS", first.Cache);
        Assert.Equal("HIT", (await Completion.SendAsync(Gw, body)).Cache);

        // Same request, another profile (research shapes this request exactly like default): its own entry.
        var research = new Dictionary<string, string> { ["X-Gateway-Profile"] = "research" };
        var other = await Completion.SendAsync(Gw, body, research);
        other.AssertOk();
        Assert.Equal("MISS", other.Cache);
        Assert.Equal(2, Completion.UpstreamCalls(Gw, marker));
        var upstream = Gw.Simulator.Requests.Where(r => r.Body.Contains(marker, StringComparison.Ordinal)).ToList();
        Assert.Equal(Strip(upstream[0].Body), Strip(upstream[1].Body)); // the key differs by the profile alone

        var otherAgain = await Completion.SendAsync(Gw, body, research);
        Assert.Equal("HIT", otherAgain.Cache);
        Assert.Equal(other.Content, otherAgain.Content);
        Assert.Equal(2, Completion.UpstreamCalls(Gw, marker));
    }

    [Fact]
    public async Task CacheTtlZero_Bypass_EvenAtTemperature0()
    {
        await using var gw = await GatewayFixture.StartAsync(new Dictionary<string, string?> { ["CACHE_TTL_SECONDS"] = "0" });
        var marker = Marker("ttl0");
        for (var i = 1; i <= 2; i++)
        {
            var c = await Completion.SendAsync(gw, Completion.Request($"{marker} Deterministic please", stream: i == 2));
            c.AssertOk();
            Assert.Equal("BYPASS", c.Cache);
            Assert.True(c.PromptTokens > 0, $"{c.Usage}");
            Assert.Equal(i, Completion.UpstreamCalls(gw, marker));
        }
    }

    /// <summary>An upstream body without its prompt-cache marks (they are not part of the cache key and may move between requests).</summary>
    private static string Strip(string body)
    {
        var node = JsonNode.Parse(body)!;
        Walk(node);
        return node.ToJsonString();

        static void Walk(JsonNode? n)
        {
            switch (n)
            {
                case JsonObject o:
                    o.Remove("cache_control");
                    foreach (var (_, v) in o.ToList()) Walk(v);
                    break;
                case JsonArray a:
                    foreach (var v in a) Walk(v);
                    break;
            }
        }
    }
}
