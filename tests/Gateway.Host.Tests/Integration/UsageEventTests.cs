using System.Collections.Concurrent;
using System.Net;
using Gateway.Core.Usage;
using Gateway.Host.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Host.Tests.Integration;

/// <summary>Every API request ends in exactly one usage event, whatever the outcome; the event never carries a secret.</summary>
public sealed class UsageEventTests
{
    private sealed class CapturingSink : IUsageSink
    {
        public ConcurrentQueue<UsageEvent> Events { get; } = new();
        public void Record(UsageEvent usage) => Events.Enqueue(usage);
    }

    [Fact]
    public async Task OneEventPerRequest_WithWhatWasBilledAndHowItEnded()
    {
        var sink = new CapturingSink();
        await using var gw = await GatewayFixture.StartAsync(services: s => s.AddSingleton<IUsageSink>(sink));

        using (var ok = await gw.PostAsync("v1/chat/completions", Http.Chat("usage plain")))
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        using (var streamed = await gw.PostAsync("v1/chat/completions", Http.Chat("usage streamed", stream: true)))
        {
            Assert.Equal(HttpStatusCode.OK, streamed.StatusCode);
            Assert.Contains("[DONE]", await streamed.Content.ReadAsStringAsync());
        }
        using (var bad = await gw.PostAsync("v1/chat/completions", "{not json"))
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        using (var noKey = await gw.PostAsync("v1/chat/completions", Http.Chat("no key"), key: "wrong-key-123"))
            Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);
        using (var upstreamError = await gw.PostAsync("v1/chat/completions", Http.Chat("[[sim:error 529 overloaded_error]] usage error")))
            Assert.Equal(503, (int)upstreamError.StatusCode);
        using (var models = await gw.SendAsync(new HttpRequestMessage(HttpMethod.Get, "v1/models") { Headers = { Authorization = new("Bearer", GatewayFixture.GatewayKey) } }))
            Assert.Equal(HttpStatusCode.OK, models.StatusCode); // not a usage-bearing request

        // The event is raised when the answer has ended: wait (bounded) for the last one.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (sink.Events.Count < 5 && DateTime.UtcNow < deadline) await Task.Delay(20);
        var events = sink.Events.ToList();
        Assert.Equal(5, events.Count);
        Assert.All(events, e => Assert.Equal(UsageIngress.OpenAiChat, e.Ingress));

        var plain = events.Single(e => e.Status == 200 && !e.Stream);
        var stream = events.Single(e => e.Status == 200 && e.Stream);
        foreach (var e in new[] { plain, stream })
        {
            Assert.True(e.InputTokens + e.CacheReadTokens > 0 && e.OutputTokens > 0, e.ToString());
            Assert.StartsWith("claude-sonnet-4-5", e.Model);
            Assert.Equal("default", e.Profile);
            Assert.Equal("stop", e.FinishReason);
            Assert.Null(e.ErrorStage);
            Assert.NotEqual("anonymous", e.KeyId);
            Assert.NotNull(e.UpstreamFirstByteMs);
            Assert.True(e.DurationMs >= e.UpstreamFirstByteMs);
        }
        var parse = events.Single(e => e.Status == 400);
        Assert.Equal(RequestStage.Parse, parse.ErrorStage);
        Assert.Equal(0, parse.InputTokens);
        var auth = events.Single(e => e.Status == 401);
        Assert.Equal(RequestStage.Auth, auth.ErrorStage);
        Assert.Equal("invalid_api_key", auth.ErrorType);
        Assert.Equal("anonymous", auth.KeyId);
        var upstream = events.Single(e => e.Status == 503);
        Assert.Equal(RequestStage.Upstream, upstream.ErrorStage);

        // No secret in any event: not the gateway key, not the upstream key, not the wrong key that was tried.
        foreach (var text in events.Select(e => e.ToString()))
        {
            Assert.DoesNotContain(GatewayFixture.GatewayKey, text);
            Assert.DoesNotContain(GatewayFixture.UpstreamKey, text);
            Assert.DoesNotContain("wrong-key-123", text);
        }
    }

    [Fact]
    public async Task UsageLog_WritesOneUsageLogEventPerRequest_WithoutSecrets()
    {
        await using var gw = await GatewayFixture.StartAsync(new Dictionary<string, string?> { ["USAGE_LOG"] = "1" });
        using (var ok = await gw.PostAsync("v1/chat/completions", Http.Chat("usage log")))
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        List<string> usage = [];
        while (DateTime.UtcNow < deadline)
        {
            usage = gw.Logs.Events.Select(e => e.RenderMessage()).Where(m => m.StartsWith("usage ", StringComparison.Ordinal)).ToList();
            if (usage.Count > 0) break;
            await Task.Delay(20);
        }
        var line = Assert.Single(usage);
        Assert.Contains("openai.chat", line);
        Assert.Contains("status 200", line);
        Assert.DoesNotContain(GatewayFixture.GatewayKey, line);
        Assert.DoesNotContain(GatewayFixture.UpstreamKey, line);
    }
}
