using System.Text.Json.Nodes;
using Gateway.Economy.Tests.Support;
using Gateway.Host.Tests.Economy;
using Gateway.Host.Tests.Infrastructure;

namespace Gateway.Host.Tests.Integration;

/// <summary>
/// Two gateways behind an imaginary load balancer, each with its own strict simulator: the model thinks and calls a tool on one
/// instance, the client's follow-up with the tool result lands on the other. With <c>REDIS_URL</c> shared, the other instance sends
/// the thinking block back (signature intact: its simulator verifies it) and keeps thinking on; without Redis it can only turn
/// thinking off for that request (the control that shows the assertion can fail).
/// </summary>
public sealed class ThinkingAcrossInstancesTests
{
    private const string ThinkingOff = "thinking turned off";

    /// <summary>Reconnect back-off tops out at 5 s; allow several rounds on a busy machine.</summary>
    private static readonly TimeSpan Recovery = TimeSpan.FromSeconds(25);

    [Fact]
    public async Task SharedRedis_FollowUpOnOtherInstance_RestoresThinking_BothDirectionsAndModes()
    {
        await using var redis = await RedisServer.StartNewAsync();
        var settings = new Dictionary<string, string?> { ["REDIS_URL"] = redis.Url };
        await using var a = await GatewayFixture.StartAsync(settings);
        await using var b = await GatewayFixture.StartAsync(settings);
        await WarmUpAsync(a);
        await WarmUpAsync(b);

        await AssertRestoredAsync(from: a, to: b, stream: false);
        await AssertRestoredAsync(from: b, to: a, stream: true);
    }

    [Fact]
    public async Task WithoutRedis_FollowUpOnOtherInstance_TurnsThinkingOff()
    {
        await using var a = await GatewayFixture.StartAsync();
        await using var b = await GatewayFixture.StartAsync();
        var marker = $"thinking-no-redis-{Guid.NewGuid():N}";

        var (followUp, _) = await ToolCallAsync(a, marker, stream: false);
        var answer = await AssistantTurn.CompleteAsync(b, followUp, stream: false);

        Assert.Equal("stop", answer.Finish);
        Assert.Contains(ThinkingOff, answer.Adjustments);
        var sent = JsonNode.Parse(b.Upstream(marker).Body)!;
        Assert.True(sent["thinking"]?["type"]?.GetValue<string>() is null or "disabled", sent["thinking"]?.ToJsonString());
        Assert.DoesNotContain(sent["messages"]!.AsArray(), m => m!["content"] is JsonArray blocks && blocks.Any(IsThinking));
    }

    /// <summary>
    /// Tool call on <paramref name="from"/>, follow-up on <paramref name="to"/>, until <paramref name="to"/> restores the thinking.
    /// Polled: a write or read that Redis does not answer in time on a loaded machine fails open (thinking off for that request),
    /// by design; a broken shared store never restores at all.
    /// </summary>
    private static async Task AssertRestoredAsync(GatewayFixture from, GatewayFixture to, bool stream)
    {
        var until = DateTime.UtcNow + Recovery;
        var seen = new List<string?>();
        for (var attempt = 0; ; attempt++)
        {
            var marker = $"thinking-shared-{attempt}-{Guid.NewGuid():N}"; // short enough to open the simulator's 60-character snippet
            var (followUp, callId) = await ToolCallAsync(from, marker, stream);
            var answer = await AssistantTurn.CompleteAsync(to, followUp, stream);
            Assert.Equal("stop", answer.Finish);
            Assert.Contains(callId, answer.Message["content"]!.GetValue<string>()); // the model got the tool result
            if (answer.Adjustments?.Contains(ThinkingOff, StringComparison.Ordinal) != true)
            {
                // What the other instance sent upstream: thinking on, and the assistant turn opens with the block A's upstream wrote.
                Assert.Equal(1, Completion.UpstreamCalls(from, marker)); // the first instance saw only the tool call, never the follow-up
                var upstream = to.Upstream(marker);
                Assert.Equal(200, upstream.Status);
                var sent = JsonNode.Parse(upstream.Body)!;
                Assert.Equal("enabled", sent["thinking"]!["type"]!.GetValue<string>());
                var assistant = sent["messages"]!.AsArray().Single(m => m!["role"]!.GetValue<string>() == "assistant")!["content"]!.AsArray();
                Assert.True(IsThinking(assistant[0]), assistant.ToJsonString());
                Assert.StartsWith("Simulated reasoning about: " + marker, assistant[0]!["thinking"]!.GetValue<string>());
                Assert.False(string.IsNullOrEmpty(assistant[0]!["signature"]!.GetValue<string>()));
                Assert.Equal(callId, assistant.Single(x => x!["type"]!.GetValue<string>() == "tool_use")!["id"]!.GetValue<string>());
                return;
            }
            seen.Add(answer.Adjustments);
            if (DateTime.UtcNow > until)
                throw new Xunit.Sdk.XunitException($"the follow-up on the other instance never restored thinking within {Recovery} ({seen.Count} attempts): {string.Join(" | ", seen.Distinct())}");
            await Task.Delay(200);
        }
    }

    /// <summary>
    /// A thinking-enabled request on <paramref name="gw"/> that the model answers with thinking and a tool call; returns the follow-up
    /// request (history + tool result) a client would send next, and the tool-call id.
    /// </summary>
    private static async Task<(JsonObject FollowUp, string CallId)> ToolCallAsync(GatewayFixture gw, string marker, bool stream)
    {
        var userText = $$"""{{marker}} What is the weather in Paris? [[sim:thinking]] [[sim:tool get_weather {"city":"Paris"}]]""";
        JsonObject Body() => Http.Chat(userText, stream, "claude-sonnet-4-5-20250929",
            new JsonObject { ["tools"] = new JsonArray(Http.Tool("get_weather", "city")), ["reasoning_effort"] = "low" });

        var first = await AssistantTurn.CompleteAsync(gw, Body(), stream);
        Assert.Equal("tool_calls", first.Finish);
        Assert.DoesNotContain(ThinkingOff, first.Adjustments ?? "");
        var callId = first.Message["tool_calls"]!.AsArray().Single()!["id"]!.GetValue<string>();
        var planned = JsonNode.Parse(gw.Upstream(marker).Body)!;
        Assert.Equal("enabled", planned["thinking"]!["type"]!.GetValue<string>()); // the first turn really thought

        var followUp = Body();
        var messages = followUp["messages"]!.AsArray();
        messages.Add(first.Message);
        messages.Add(new JsonObject { ["role"] = "tool", ["tool_call_id"] = callId, ["content"] = "18 degrees and sunny" });
        return (followUp, callId);
    }

    /// <summary>Warm-up: the instance reaches Redis (a cold connection's first command may exceed the short command timeout).</summary>
    private static async Task WarmUpAsync(GatewayFixture gw)
    {
        var until = DateTime.UtcNow + Recovery;
        var body = Completion.Request($"redis-warm-up-{Guid.NewGuid():N} Say hi");
        while (true)
        {
            var c = await Completion.SendAsync(gw, body);
            c.AssertOk();
            if (c.Cache == "MISS") return;
            if (DateTime.UtcNow > until) throw new Xunit.Sdk.XunitException($"never reached Redis within {Recovery}: X-Cache {c.Cache}");
            await Task.Delay(200);
        }
    }

    private static bool IsThinking(JsonNode? block) => block?["type"]?.GetValue<string>() is "thinking" or "redacted_thinking";
}
