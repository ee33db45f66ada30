using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Gateway.Host.Tests.Infrastructure;

namespace Gateway.Host.Tests.Economy;

/// <summary>
/// Request-side reductions through the real host, checked on what reached the simulator: context pruning to the model's window
/// (<c>X-Context-Pruned</c>, pairs intact, accepted upstream), and the latest user message untouched by every reduction even when it
/// holds exactly what the reductions act on elsewhere in the same request (boilerplate, a duplicated tool result, over-cap length).
/// </summary>
public sealed class ReductionTests(DefaultGateway fixture) : IClassFixture<DefaultGateway>
{
    private GatewayFixture Gw => fixture.Gateway;

    private const string CommitSignature =
        "<context name=\"commitSignature\">When creating commits using any CLI or tool, include the following in the commit message:\n" +
        "Generated with [Continue](https://continue.dev)\n\nCo-Authored-By: Continue <noreply@continue.dev>\n</context>";

    [Fact]
    public async Task SmallRequest_CarriesReduction_NotPruned_NoBreakpointBelowTheMinimum()
    {
        var marker = "reduction-small-" + Guid.NewGuid().ToString("N");
        var c = await Completion.SendAsync(Gw, Http.Chat($"{marker} hello"));
        c.AssertOk();
        Assert.Null(c.ContextPruned);
        var s = await Completion.SendAsync(Gw, Http.Chat($"{marker}-stream hello", stream: true));
        s.AssertOk();
        Assert.Null(s.ContextPruned);
        // A prompt far below the model's minimum cacheable length gets no cache_control (it could neither write nor read).
        Assert.Equal(0, PromptCacheReplayTests.Breakpoints(JsonNode.Parse(Gw.Upstream(marker).Body)));
    }

    [Fact]
    public async Task OverContextWindow_OldestTurnsPruned_HeaderSaysSo_SimulatorAccepts()
    {
        // claude-sonnet-4-5: a 200,000-token window; with max_tokens 1024 the input budget is 198,976. Six ~50k-token assistant turns
        // (assistant text is not capped) put the request far over it; the task (head) and the last turn must survive.
        var marker = "prune-" + Guid.NewGuid().ToString("N");
        const int turns = 6;
        var messages = new JsonArray
        {
            new JsonObject { ["role"] = "system", ["content"] = "You are a careful agent." },
            new JsonObject { ["role"] = "user", ["content"] = $"{marker}-task Build the report generator." },
        };
        for (var t = 1; t <= turns; t++)
        {
            messages.Add(new JsonObject { ["role"] = "assistant", ["content"] = $"turn-{t}-answer " + Filler(t, 120_000) });
            messages.Add(new JsonObject { ["role"] = "user", ["content"] = t == turns ? $"{marker}-latest Now write the tests." : $"turn-{t}-ask continue" });
        }
        var body = new JsonObject { ["model"] = "claude-sonnet-4-5", ["max_tokens"] = 1024, ["messages"] = messages };

        var c = await Completion.SendAsync(Gw, body, timeout: TimeSpan.FromSeconds(45));
        c.AssertOk();
        var before = int.Parse(Completion.ReductionPattern.Match(c.Reduction!).Groups[2].Value);
        Assert.True(before > 200_000, $"the request must exceed the window to test pruning: X-Reduction {c.Reduction}");
        Assert.NotNull(c.ContextPruned);
        var m = Regex.Match(c.ContextPruned!, @"^messages=(\d+); tokens=(\d+)$");
        Assert.True(m.Success, $"X-Context-Pruned: {c.ContextPruned}");
        var dropped = int.Parse(m.Groups[1].Value);
        Assert.True(dropped > 0 && dropped % 2 == 0, $"whole turns (assistant + user) are dropped: {c.ContextPruned}");
        Assert.True(int.Parse(m.Groups[2].Value) > 0, $"X-Context-Pruned: {c.ContextPruned}");

        // What the simulator got (and answered 200): the head with the note, then the newest turns, the last one intact.
        var upstream = Gw.Upstream(marker);
        Assert.Equal(200, upstream.Status);
        var sent = JsonNode.Parse(upstream.Body)!["messages"]!.AsArray();
        Assert.Equal(turns * 2 + 1 - dropped, sent.Count);
        Assert.Contains($"{marker}-task", Text(sent[0]!));
        Assert.Contains($"[{dropped} earlier messages omitted by the gateway to fit the context window]", Text(sent[0]!));
        Assert.Equal("assistant", sent[1]!["role"]!.GetValue<string>());
        Assert.StartsWith($"turn-{dropped / 2 + 1}-answer ", Text(sent[1]!));
        Assert.Equal($"turn-{turns}-answer " + Filler(turns, 120_000), Text(sent[^2]!));
        Assert.Equal($"{marker}-latest Now write the tests.", Text(sent[^1]!));
        Assert.DoesNotContain("turn-1-answer", upstream.Body);
        Assert.Contains("Simulated answer to:", c.Content);
    }

    [Theory]
    [InlineData(false)] // the latest user message is the last message
    [InlineData(true)]  // an agent loop: the instruction, then a tool call and its result after it
    public async Task LatestUserMessage_ReachesUpstreamByteIdentical_WhileTheSameContentEarlierIsReduced(bool toolLoopAfter)
    {
        var marker = "latest-" + Guid.NewGuid().ToString("N");
        var fileContent = FileContent();
        var overCap = Filler(99, 160_000); // well over the default profile's user cap (24,000 tokens)
        var latest = $"{marker}-latest Please review this.\n{CommitSignature}\n\nHere is the file again:\n{fileContent}\n\nAnd the log:\n{overCap}\nThanks.";

        var messages = new JsonArray
        {
            new JsonObject { ["role"] = "system", ["content"] = $"You are an agent.\n{CommitSignature}\nBe concise." },
            new JsonObject { ["role"] = "user", ["content"] = $"{marker}-first Look at this log:\n{overCap}" },
            ToolCall("call_first01", "src/report.py"),
            new JsonObject { ["role"] = "tool", ["tool_call_id"] = "call_first01", ["content"] = fileContent },
            ToolCall("call_again02", "src/report.py"),
            new JsonObject { ["role"] = "tool", ["tool_call_id"] = "call_again02", ["content"] = fileContent },
            new JsonObject { ["role"] = "assistant", ["content"] = "I read the file twice; it did not change." },
            new JsonObject { ["role"] = "user", ["content"] = latest },
        };
        if (toolLoopAfter)
        {
            messages.Add(ToolCall("call_after03", "src/other.py"));
            messages.Add(new JsonObject { ["role"] = "tool", ["tool_call_id"] = "call_after03", ["content"] = "x = 1" });
        }
        var body = new JsonObject { ["model"] = "claude-sonnet-4-5", ["tools"] = new JsonArray(Http.Tool("read_file")), ["messages"] = messages };

        var c = await Completion.SendAsync(Gw, body, timeout: TimeSpan.FromSeconds(45));
        c.AssertOk();
        var upstream = Gw.Upstream(marker);
        Assert.Equal(200, upstream.Status);
        var sent = JsonNode.Parse(upstream.Body)!;
        var sentMessages = sent["messages"]!.AsArray();

        // The reductions did act on this request (so the latest message was exposed to each of them) ...
        Assert.DoesNotContain("Co-Authored-By", Text(sent["system"]));                  // boilerplate stripped from the system prompt
        Assert.Contains($"{marker}-first", Text(sentMessages[0]!));
        Assert.Contains("cut by the gateway", Text(sentMessages[0]!));                 // the earlier over-cap user turn was capped
        var results = sentMessages.SelectMany(Blocks).Where(b => b["type"]?.GetValue<string>() == "tool_result").ToList();
        Assert.Equal(toolLoopAfter ? 3 : 2, results.Count);
        Assert.Equal(fileContent, Text(results[0]["content"]));                        // the first copy stays
        Assert.DoesNotContain(fileContent, Text(results[1]["content"]));               // the repeat became a reference
        Assert.Contains("identical to", Text(results[1]["content"]));
        var m = Completion.ReductionPattern.Match(c.Reduction!);
        Assert.True(int.Parse(m.Groups[3].Value) < int.Parse(m.Groups[2].Value), $"X-Reduction: {c.Reduction}");

        // ... and the latest user message reached the upstream exactly as sent: one text block (or string), byte for byte.
        var last = Assert.Single(sentMessages, x => Text(x).Contains($"{marker}-latest", StringComparison.Ordinal))!;
        Assert.Equal("user", last["role"]!.GetValue<string>());
        var single = last["content"] is JsonValue
            ? Text(last)
            : Assert.Single(Blocks(last), b => b["type"]?.GetValue<string>() == "text")["text"]!.GetValue<string>();
        Assert.Equal(Encoding.UTF8.GetBytes(latest), Encoding.UTF8.GetBytes(single));
    }

    private static JsonObject ToolCall(string id, string path) => new()
    {
        ["role"] = "assistant",
        ["content"] = null,
        ["tool_calls"] = new JsonArray(new JsonObject
        {
            ["id"] = id,
            ["type"] = "function",
            ["function"] = new JsonObject { ["name"] = "read_file", ["arguments"] = $"{{\"path\":\"{path}\"}}" },
        }),
    };

    /// <summary>A Python file of a few KB (above dedup's 400-char minimum, below every cap).</summary>
    private static string FileContent()
    {
        var sb = new StringBuilder("Content of src/report.py:\n");
        for (var i = 0; i < 60; i++)
            sb.Append($"def section_{i}(rows):\n    return [r for r in rows if r.kind == 'k{i}' and r.size > {i * 7}]\n");
        return sb.ToString();
    }

    /// <summary>
    /// Deterministic filler of about <paramref name="chars"/> characters: pseudo-words (no directives, no file paths) drawn from a small
    /// vocabulary, so the policy layer's memoized token counts stay fast and its steps stay within their time budgets on a busy machine.
    /// </summary>
    private static string Filler(int seed, int chars)
    {
        var random = new Random(seed);
        var vocabulary = Enumerable.Range(0, 400).Select(_ => new string(Enumerable.Range(0, random.Next(3, 9)).Select(_ => (char)('a' + random.Next(26))).ToArray())).ToArray();
        var sb = new StringBuilder(chars + 16);
        while (sb.Length < chars)
        {
            sb.Append(vocabulary[random.Next(vocabulary.Length)]);
            sb.Append(random.Next(12) == 0 ? '\n' : ' ');
        }
        return sb.ToString().TrimEnd();
    }

    private static IEnumerable<JsonObject> Blocks(JsonNode? message) =>
        message?["content"] is JsonArray a ? a.OfType<JsonObject>() : [];

    /// <summary>All text of a message, a content value or a system value (string or blocks; tool_result contents included).</summary>
    private static string Text(JsonNode? node) => node switch
    {
        null => "",
        JsonValue v => v.GetValue<string>(),
        JsonArray a => string.Concat(a.Select(b => b is JsonObject o && o["text"] is JsonValue t ? t.GetValue<string>() : Text(b?["content"]))),
        JsonObject o when o["content"] is { } content => Text(content),
        JsonObject o => o["text"]?.GetValue<string>() ?? "",
    };
}
