using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Host.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Gateway.Host.Tests.Economy;

/// <summary>
/// Prompt caching through the real host (issue 5, reduction 1): the real Continue CLI session
/// <c>tests/fixtures/openai/continue-session-1.jsonl</c> (11 streamed requests) replayed in order. Every request is answered, every
/// upstream body carries at most 4 breakpoints, and from the second request on most of the prompt is read from the (simulated)
/// Anthropic prompt cache, as the client's usage shows. That usage is exactly what the upstream billed: prompt_tokens equals the
/// upstream's own count of the request, and the cached tokens add up to the cache reads the upstream recorded.
/// </summary>
public sealed class PromptCacheReplayTests(DefaultGateway fixture, ITestOutputHelper output) : IClassFixture<DefaultGateway>
{
    private GatewayFixture Gw => fixture.Gateway;

    [Fact]
    public async Task ContinueSession_BreakpointsAtMost4_CachedShareHigh_UsageIsWhatUpstreamBilled()
    {
        var lines = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "fixtures", "openai", "continue-session-1.jsonl"))
            .Where(l => l.Trim().Length > 0).ToList();
        Assert.Equal(11, lines.Count);
        Gw.Simulator.ClearRequests();
        Gw.Simulator.ClearCache();

        // 1. Replay, as the client sent it.
        var seen = new List<Completion>();
        foreach (var line in lines)
        {
            var body = JsonNode.Parse(line)!["body"]!;
            Assert.True(body["stream"]?.GetValue<bool>() == true && body["stream_options"]?["include_usage"]?.GetValue<bool>() == true);
            var c = await Completion.SendAsync(Gw, body);
            c.AssertOk();
            c.AssertValidStream(includeUsage: true);
            Assert.DoesNotContain("\"error\"", c.Raw, StringComparison.Ordinal);
            Assert.Equal("BYPASS", c.Cache); // no temperature: not deterministic
            seen.Add(c);
        }
        var upstream = Gw.Simulator.Requests.Where(r => r.Path.EndsWith("/v1/messages", StringComparison.Ordinal)).ToList();
        Assert.Equal(lines.Count, upstream.Count);
        Assert.All(upstream, r => Assert.Equal(200, r.Status));

        // 2. Breakpoints: at most 4 on every request, and some on every request (the session is far above the minimum).
        for (var i = 0; i < upstream.Count; i++)
        {
            var marks = Breakpoints(JsonNode.Parse(upstream[i].Body));
            Assert.True(marks is >= 1 and <= 4, $"request {i + 1}: {marks} cache_control breakpoints");
        }

        // 3. The client's usage: cached share per request and over the session.
        for (var i = 0; i < seen.Count; i++)
            output.WriteLine($"request {i + 1}: prompt={seen[i].PromptTokens} cached={seen[i].CachedTokens} ({Share(seen[i]):P0}) X-Reduction: {seen[i].Reduction}");
        Assert.Equal(0, seen[0].CachedTokens); // nothing cached before the first request
        for (var i = 1; i < seen.Count; i++)
        {
            Assert.True(seen[i].CachedTokens > 0, $"request {i + 1}: no cached tokens ({seen[i].Usage})");
            Assert.True(Share(seen[i]) >= 0.5, $"request {i + 1}: cached {seen[i].CachedTokens} of {seen[i].PromptTokens} prompt tokens");
        }
        var session = (double)seen.Sum(c => c.CachedTokens) / seen.Sum(c => c.PromptTokens);
        output.WriteLine($"session: {seen.Sum(c => c.CachedTokens)} of {seen.Sum(c => c.PromptTokens)} prompt tokens cached ({session:P1})");
        Assert.True(session >= 0.7, $"session cached share {session:P1}");

        // 4. What the upstream billed: its own token count of each request, and its recorded cache reads.
        using var sim = new HttpClient { BaseAddress = Gw.Simulator.BaseUrl };
        for (var i = 0; i < upstream.Count; i++)
            Assert.Equal(await CountTokensAsync(sim, upstream[i].Body), seen[i].PromptTokens);
        var read = await CacheReadTokensAsync(sim);
        Assert.Equal(read, seen.Sum(c => (long)c.CachedTokens));

        // 5. The same holds for a non-stream answer: the last request again, without streaming, reads the whole prompt from the cache.
        var last = JsonNode.Parse(lines[^1])!["body"]!.AsObject();
        last["stream"] = false;
        last.Remove("stream_options");
        var plain = await Completion.SendAsync(Gw, last);
        plain.AssertOk();
        Assert.Null(plain.Stream);
        var sent = Gw.Simulator.Requests.Last(r => r.Path.EndsWith("/v1/messages", StringComparison.Ordinal));
        Assert.Equal(await CountTokensAsync(sim, sent.Body), plain.PromptTokens);
        Assert.Equal(await CacheReadTokensAsync(sim) - read, plain.CachedTokens);
        Assert.True(Share(plain) >= 0.9, $"non-stream repeat: cached {plain.CachedTokens} of {plain.PromptTokens}");
    }

    private static async Task<long> CacheReadTokensAsync(HttpClient sim) =>
        JsonDocument.Parse(await sim.GetStringAsync("_sim/cache")).RootElement.GetProperty("read_tokens").GetInt64();

    private static double Share(Completion c) => c.PromptTokens == 0 ? 0 : (double)c.CachedTokens / c.PromptTokens;

    /// <summary>Anthropic <c>cache_control</c> marks (<c>{"type":"ephemeral", ...}</c>) anywhere in the body.</summary>
    internal static int Breakpoints(JsonNode? node) => node switch
    {
        JsonObject o => (o["cache_control"] is JsonObject cc && cc["type"]?.GetValue<string>() == "ephemeral" ? 1 : 0)
            + o.Where(p => p.Key != "cache_control").Sum(p => Breakpoints(p.Value)),
        JsonArray a => a.Sum(Breakpoints),
        _ => 0,
    };

    /// <summary>The simulator's <c>count_tokens</c> for an upstream body (the fields count_tokens does not take removed).</summary>
    private static async Task<int> CountTokensAsync(HttpClient sim, string body)
    {
        var o = JsonNode.Parse(body)!.AsObject();
        foreach (var field in new[] { "max_tokens", "stream", "temperature", "top_p", "top_k", "stop_sequences", "metadata", "service_tier" })
            o.Remove(field);
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/messages/count_tokens")
        {
            Content = new StringContent(o.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-api-key", GatewayFixture.UpstreamKey);
        request.Headers.Add("anthropic-version", "2023-06-01");
        using var response = await sim.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"count_tokens {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("input_tokens").GetInt32();
    }
}
