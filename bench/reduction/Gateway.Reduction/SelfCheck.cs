using System.Text.Json.Nodes;

namespace Gateway.Reduction;

/// <summary>
/// `--self-check`: the measuring instruments on known inputs, so a 0% or 100% in the report is a measurement,
/// not a broken parser: usage with cache fields from an Anthropic stream, cost units, and retention losing facts.
/// </summary>
public static class SelfCheck
{
    public static int Run()
    {
        var failures = new List<string>();
        void Expect(bool ok, string what) { if (!ok) failures.Add(what); }

        const string sse = """
            event: message_start
            data: {"type":"message_start","message":{"id":"msg_1","usage":{"input_tokens":100,"output_tokens":1,"cache_creation_input_tokens":3000,"cache_read_input_tokens":5000,"cache_creation":{"ephemeral_5m_input_tokens":2000,"ephemeral_1h_input_tokens":1000}}}}

            event: message_delta
            data: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":42}}

            """;
        var u = UpstreamUsage.Parse(sse, sse: true);
        Expect(u is { InputTokens: 100, OutputTokens: 42, CacheCreationInputTokens: 3000, CacheReadInputTokens: 5000, Write5m: 2000, Write1h: 1000 },
            $"usage from SSE: {u}");
        Expect(Math.Abs(u.CostUnits - (100 + 1.25 * 2000 + 2 * 1000 + 0.1 * 5000)) < 1e-9, $"cost units {u.CostUnits}");
        Expect(u.TotalInput == 8100, $"total input {u.TotalInput}");
        var noBreakdown = UpstreamUsage.Parse("""{"usage":{"input_tokens":10,"output_tokens":2,"cache_creation_input_tokens":400,"cache_read_input_tokens":0}}""", sse: false);
        Expect(noBreakdown.Write5m == 400 && noBreakdown.Write1h == 0, $"writes without breakdown count as 5m: {noBreakdown}");

        var client = JsonNode.Parse("""
            {"model":"m","messages":[
              {"role":"system","content":"sys"},
              {"role":"user","content":"Fix bulkRate in src/pricing.js"},
              {"role":"assistant","content":"","tool_calls":[{"id":"call_A","type":"function","function":{"name":"Read","arguments":"{\"filepath\":\"src/pricing.js\"}"}}]},
              {"role":"tool","tool_call_id":"call_A","content":"function bulkRate(quantity) {\n  return 0;\n}"}]}
            """)!.AsObject();
        var facts = Retention.Extract(client);
        Expect(facts.Any(f => f.Kind == FactKind.UserInstruction), "user instruction fact");
        Expect(facts.Any(f => f.Kind == FactKind.NewestToolResult), "newest tool result fact");
        Expect(facts.Any(f => f is { Kind: FactKind.PendingToolCallId, Text: "call_A" }), "pending id fact");
        Expect(facts.Any(f => f is { Kind: FactKind.PendingToolCallName, Text: "Read" }), "pending name fact");
        Expect(facts.Any(f => f is { Kind: FactKind.PathOrIdentifier, Text: "src/pricing.js" }), "path fact");
        Expect(facts.Any(f => f is { Kind: FactKind.PathOrIdentifier, Text: "bulkRate" }), "identifier fact");

        const string full = """
            {"system":"sys","messages":[{"role":"user","content":"Fix bulkRate in src/pricing.js"},
             {"role":"assistant","content":[{"type":"tool_use","id":"call_A","name":"Read","input":{"filepath":"src/pricing.js"}}]},
             {"role":"user","content":[{"type":"tool_result","tool_use_id":"call_A","content":"function bulkRate(quantity) {\n  return 0;\n}"}]}]}
            """;
        Expect(Retention.Check(facts, full).Share == 1.0, "all facts present in a faithful translation");
        var cut = full.Replace("function bulkRate(quantity) {\\n  return 0;\\n}", "[identical to an earlier result]", StringComparison.Ordinal);
        var lost = Retention.Check(facts, cut);
        Expect(lost.Share < 1.0 && lost.Missing.Any(f => f.Kind == FactKind.NewestToolResult), $"a replaced newest tool result is lost: {lost.Share}");

        foreach (var f in failures) Console.Error.WriteLine($"self-check FAILED: {f}");
        Console.WriteLine(failures.Count == 0 ? "self-check passed" : $"self-check: {failures.Count} failed");
        return failures.Count == 0 ? 0 : 1;
    }
}
