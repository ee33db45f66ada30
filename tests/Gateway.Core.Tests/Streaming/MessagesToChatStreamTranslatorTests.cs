using System.Text;
using System.Text.Json;
using Gateway.Core.Translation;

namespace Gateway.Core.Tests.Streaming;

public sealed class MessagesToChatStreamTranslatorTests
{
    [Theory]
    [MemberData(nameof(StreamCases.Names), MemberType = typeof(StreamCases))]
    public async Task Translate_Fixture_MatchesGolden(string name)
    {
        var (fixture, shaping) = StreamCases.All[name];
        var (output, _) = await StreamRun.RunFixtureAsync(fixture, shaping);
        Fixtures.AssertGolden($"streams/expected/{name}.txt", output);
    }

    [Theory]
    [MemberData(nameof(StreamCases.Names), MemberType = typeof(StreamCases))]
    public async Task Translate_EveryChunk_SharesIdCreatedModel_AndEndsWithDone(string name)
    {
        var (fixture, shaping) = StreamCases.All[name];
        var (output, outcome) = await StreamRun.RunFixtureAsync(fixture, shaping);
        var payloads = StreamRun.DataPayloads(output);
        Assert.Equal("[DONE]", payloads[^1]);
        Assert.Equal(1, payloads.Count(p => p == "[DONE]"));

        var chunks = StreamRun.Chunks(output).Where(c => !c.TryGetProperty("error", out _)).ToList();
        Assert.Equal(outcome.ChunksWritten, chunks.Count);
        Assert.All(chunks, c =>
        {
            Assert.Equal("chatcmpl-" + outcome.UpstreamMessageId, c.GetProperty("id").GetString());
            Assert.Equal("chat.completion.chunk", c.GetProperty("object").GetString());
            Assert.Equal(1_750_000_000, c.GetProperty("created").GetInt64());
            Assert.Equal(StreamCases.Model, c.GetProperty("model").GetString());
            Assert.Equal(shaping.IncludeUsage, c.TryGetProperty("usage", out _));
        });
        var first = chunks[0].GetProperty("choices")[0].GetProperty("delta");
        Assert.Equal("assistant", first.GetProperty("role").GetString());
        Assert.Equal("", first.GetProperty("content").GetString());
    }

    [Fact]
    public async Task Translate_Text_ConcatenatesDeltasAndMapsUsageWithCache()
    {
        var (output, outcome) = await StreamRun.RunFixtureAsync("text.sse", new(StreamCases.Model, IncludeUsage: true));
        var chunks = StreamRun.Chunks(output);
        var text = string.Concat(chunks.Where(c => c.GetProperty("choices").GetArrayLength() > 0)
            .Select(c => c.GetProperty("choices")[0].GetProperty("delta"))
            .Where(d => d.TryGetProperty("content", out _))
            .Select(d => d.GetProperty("content").GetString()));
        Assert.Equal("Héllo 日本語 🎉! \"quoted\"\n\ttab \\ back é", text);

        var finish = chunks[^2].GetProperty("choices")[0];
        Assert.Equal("stop", finish.GetProperty("finish_reason").GetString());
        Assert.Empty(finish.GetProperty("delta").EnumerateObject());
        Assert.Equal(JsonValueKind.Null, chunks[^2].GetProperty("usage").ValueKind);

        var last = chunks[^1];
        Assert.Equal(0, last.GetProperty("choices").GetArrayLength());
        var usage = last.GetProperty("usage");
        Assert.Equal(25 + 100 + 2000, usage.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(15, usage.GetProperty("completion_tokens").GetInt32());
        Assert.Equal(25 + 100 + 2000 + 15, usage.GetProperty("total_tokens").GetInt32());
        Assert.Equal(2000, usage.GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32());
        Assert.Equal(0, usage.GetProperty("completion_tokens_details").GetProperty("reasoning_tokens").GetInt32());

        Assert.Equal(new UsageSummary(25, 15, 100, 2000), outcome.Usage);
        Assert.Equal("stop", outcome.FinishReason);
        Assert.Null(outcome.Error);
        Assert.False(outcome.ClientDisconnected);
        Assert.Equal("msg_01TextStream7Xq", outcome.UpstreamMessageId);
    }

    [Fact]
    public async Task Translate_Ping_BecomesCommentNotContent()
    {
        var (output, _) = await StreamRun.RunFixtureAsync("text.sse", new(StreamCases.Model));
        Assert.Contains("\n\n: ping\n\n", output);
        Assert.DoesNotContain("\"ping\"", output);
    }

    [Fact]
    public async Task Translate_ParallelTools_StableIndexesIdsNamesAndValidArguments()
    {
        var shaping = StreamCases.All["parallel-tools.name-map"].Shaping;
        var (output, outcome) = await StreamRun.RunFixtureAsync("parallel-tools.sse", shaping);
        var calls = ToolCalls(output);
        Assert.Equal([0, 1, 2], calls.Keys.Order());
        Assert.Equal(("toolu_01AAAweatherSF", "get_weather"), (calls[0].Id, calls[0].Name));
        Assert.Equal(("toolu_01BBBtimeNoArgs", "get_time"), (calls[1].Id, calls[1].Name));
        Assert.Equal(("toolu_01CCCsearch", "web.search"), (calls[2].Id, calls[2].Name));
        Assert.Equal("San Francisco, CA", JsonDocument.Parse(calls[0].Args.ToString()).RootElement.GetProperty("location").GetString());
        Assert.Equal("{}", calls[1].Args.ToString());
        Assert.Equal("café ☕", JsonDocument.Parse(calls[2].Args.ToString()).RootElement.GetProperty("q").GetString());
        Assert.Equal("tool_calls", outcome.FinishReason);
        Assert.Equal(new UsageSummary(610, 120, 0, 0), outcome.Usage);
    }

    [Fact]
    public async Task Translate_ToolAfterText_IndexStartsAtZero()
    {
        var (output, _) = await StreamRun.RunFixtureAsync("tool-use.sse", new(StreamCases.Model));
        var calls = ToolCalls(output);
        var call = Assert.Single(calls);
        Assert.Equal(0, call.Key);
        Assert.Equal("""{"location": "San Francisco, CA", "unit": "fahrenheit"}""", call.Value.Args.ToString());
    }

    [Fact]
    public async Task Translate_LegacyFunctions_FunctionCallFirstToolOnly()
    {
        var (output, outcome) = await StreamRun.RunFixtureAsync("parallel-tools.sse", new(StreamCases.Model, LegacyFunctions: true));
        Assert.DoesNotContain("tool_calls", output);
        var deltas = Deltas(output).Where(d => d.TryGetProperty("function_call", out _)).Select(d => d.GetProperty("function_call")).ToList();
        Assert.Equal("get_weather", deltas[0].GetProperty("name").GetString());
        Assert.True(deltas.Skip(1).All(d => !d.TryGetProperty("name", out _)));
        Assert.Equal("""{"location": "San Francisco, CA"}""", string.Concat(deltas.Select(d => d.GetProperty("arguments").GetString())));
        Assert.Equal("function_call", outcome.FinishReason);
    }

    [Fact]
    public async Task Translate_JsonMode_ToolInputBecomesContentAndFinishStop()
    {
        var (output, outcome) = await StreamRun.RunFixtureAsync("tool-use.sse", new(StreamCases.Model, JsonModeToolName: "get_weather"));
        Assert.DoesNotContain("tool_calls", output);
        var content = string.Concat(Deltas(output).Where(d => d.TryGetProperty("content", out _)).Select(d => d.GetProperty("content").GetString()));
        // The preamble text is dropped: content must parse as the tool's JSON alone.
        Assert.Equal("""{"location": "San Francisco, CA", "unit": "fahrenheit"}""", content);
        Assert.Equal("stop", outcome.FinishReason);
    }

    [Fact]
    public async Task Translate_JsonModeWithoutToolCall_HeldTextIsSentAtEnd()
    {
        var (output, outcome) = await StreamRun.RunFixtureAsync("text.sse", new(StreamCases.Model, JsonModeToolName: "json_answer"));
        var content = string.Concat(Deltas(output).Where(d => d.TryGetProperty("content", out _)).Select(d => d.GetProperty("content").GetString()));
        Assert.Equal("Héllo 日本語 🎉! \"quoted\"\n\ttab \\ back é", content);
        Assert.Equal("stop", outcome.FinishReason);
    }

    [Fact]
    public async Task Translate_ThinkingThenTool_ReasoningContentAndThinkingStored()
    {
        var store = new InMemoryThinkingStore();
        var (output, outcome) = await StreamRun.RunFixtureAsync("thinking-then-tool.sse", new(StreamCases.Model, IncludeUsage: true), store);
        var deltas = Deltas(output);
        var reasoning = string.Concat(deltas.Where(d => d.TryGetProperty("reasoning_content", out _)).Select(d => d.GetProperty("reasoning_content").GetString()));
        Assert.Equal("The user wants the weather.\n\nI should call get_weather for Paris — in celsius.", reasoning);
        Assert.DoesNotContain(deltas, d => d.TryGetProperty("content", out var c) && c.GetString() != "");

        var stored = await store.GetAsync("toolu_01ThinkWeatherParis");
        Assert.NotNull(stored);
        Assert.Equal("claude-sonnet-4-5-20250929", stored!.Model);
        Assert.Equal(2, stored.Blocks.Count);
        Assert.Equal(new StoredThinkingBlock("thinking", reasoning, "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds+sig==", null), stored.Blocks[0]);
        Assert.Equal("redacted_thinking", stored.Blocks[1].Type);
        Assert.StartsWith("EmwKAhgBEgy3va3pzix", stored.Blocks[1].Data);

        var usage = StreamRun.Chunks(output)[^1].GetProperty("usage");
        Assert.InRange(usage.GetProperty("completion_tokens_details").GetProperty("reasoning_tokens").GetInt32(), 1, 160);
        Assert.Equal(new UsageSummary(1200, 160, 0, 800), outcome.Usage);
    }

    [Fact]
    public async Task Translate_ErrorEvent_WritesOpenAiErrorThenDone()
    {
        var (output, outcome) = await StreamRun.RunFixtureAsync("error-mid-stream.sse", new(StreamCases.Model, IncludeUsage: true));
        var payloads = StreamRun.DataPayloads(output);
        Assert.Equal("[DONE]", payloads[^1]);
        var error = JsonDocument.Parse(payloads[^2]).RootElement.GetProperty("error");
        Assert.Equal("overloaded_error", error.GetProperty("type").GetString());
        Assert.Contains("Overloaded", error.GetProperty("message").GetString());
        Assert.DoesNotContain("finish_reason\":\"", output);
        Assert.NotNull(outcome.Error);
        Assert.Equal(503, outcome.Error!.Status);
        Assert.Null(outcome.FinishReason);
        Assert.Equal(30, outcome.Usage.InputTokens);
    }

    [Fact]
    public async Task Translate_Truncated_ReportsErrorNeverHangs()
    {
        var (output, outcome) = await StreamRun.RunFixtureAsync("truncated.sse", new(StreamCases.Model));
        var payloads = StreamRun.DataPayloads(output);
        Assert.Equal("[DONE]", payloads[^1]);
        Assert.Equal("upstream_stream_truncated", JsonDocument.Parse(payloads[^2]).RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("upstream_stream_truncated", outcome.Error!.Code);
        Assert.Contains("The first half", output);
    }

    [Fact]
    public async Task Translate_UpstreamReadFails_ReportsTruncated()
    {
        var data = Fixtures.Bytes("streams/text.sse");
        var upstream = new ChunkedStream([data[..400]], new IOException("connection reset"));
        var (output, outcome) = await StreamRun.RunAsync(upstream, new(StreamCases.Model));
        Assert.Equal("upstream_stream_truncated", outcome.Error!.Code);
        Assert.IsType<IOException>(outcome.Error.InnerException);
        Assert.EndsWith("data: [DONE]\n\n", output);
    }

    [Fact]
    public async Task Translate_UpstreamTimeoutCancellation_IsUpstreamErrorNotDisconnect()
    {
        var data = Fixtures.Bytes("streams/text.sse");
        var upstream = new ChunkedStream([data[..400]], new TaskCanceledException("HttpClient.Timeout elapsed"));
        var (_, outcome) = await StreamRun.RunAsync(upstream, new(StreamCases.Model));
        Assert.False(outcome.ClientDisconnected);
        Assert.Equal("upstream_stream_truncated", outcome.Error!.Code);
    }

    [Fact]
    public async Task Translate_EmptyBody_ReportsTruncated()
    {
        var (output, outcome) = await StreamRun.RunAsync(new MemoryStream(), new(StreamCases.Model));
        Assert.Equal("upstream_stream_truncated", outcome.Error!.Code);
        Assert.EndsWith("data: [DONE]\n\n", output);
    }

    [Fact]
    public async Task Translate_MalformedEventJson_ReportsError()
    {
        var body = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\"}}\n\nevent: content_block_delta\ndata: {\"type\":\"content_bl\n\n"u8.ToArray();
        var (output, outcome) = await StreamRun.RunAsync(new MemoryStream(body), new(StreamCases.Model));
        Assert.Equal("upstream_malformed_event", outcome.Error!.Code);
        Assert.EndsWith("data: [DONE]\n\n", output);
    }

    [Fact]
    public async Task Translate_MessageDeltaUsage_IsSetNotAdded()
    {
        var body = """
            event: message_start
            data: {"type":"message_start","message":{"id":"msg_u","usage":{"input_tokens":10,"output_tokens":1}}}

            event: message_delta
            data: {"type":"message_delta","delta":{"stop_reason":null},"usage":{"output_tokens":5}}

            event: message_delta
            data: {"type":"message_delta","delta":{"stop_reason":"max_tokens"},"usage":{"input_tokens":12,"cache_read_input_tokens":3,"output_tokens":9}}

            event: message_stop
            data: {"type":"message_stop"}


            """.ReplaceLineEndings("\n");
        var (_, outcome) = await StreamRun.RunAsync(new MemoryStream(Encoding.UTF8.GetBytes(body)), new(StreamCases.Model));
        Assert.Equal(new UsageSummary(12, 9, 0, 3), outcome.Usage);
        Assert.Equal("length", outcome.FinishReason);
    }

    [Fact]
    public async Task Translate_MultipleDataLinesAndNoSpaceAfterColon_AreJoined()
    {
        var body = "event:message_start\ndata:{\"type\":\"message_start\",\n: a comment\ndata:\"message\":{\"id\":\"msg_m\"}}\n\n" +
                   "data: {\"type\":\"message_stop\"}\n\n";
        var (output, outcome) = await StreamRun.RunAsync(new MemoryStream(Encoding.UTF8.GetBytes(body)), new(StreamCases.Model));
        Assert.Null(outcome.Error);
        Assert.Equal("msg_m", outcome.UpstreamMessageId);
        Assert.Equal("stop", outcome.FinishReason);
        Assert.EndsWith("data: [DONE]\n\n", output);
    }

    [Fact]
    public async Task Translate_UnknownBlockTypes_AreIgnored()
    {
        var body = """
            event: message_start
            data: {"type":"message_start","message":{"id":"msg_k","usage":{"input_tokens":1,"output_tokens":1}}}

            event: content_block_start
            data: {"type":"content_block_start","index":0,"content_block":{"type":"server_tool_use","id":"srvtoolu_1","name":"web_search","input":{}}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\"query\":\"x\"}"}}

            event: content_block_stop
            data: {"type":"content_block_stop","index":0}

            event: content_block_start
            data: {"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":1,"delta":{"type":"citations_delta","citation":{"type":"char_location"}}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"ok"}}

            event: content_block_stop
            data: {"type":"content_block_stop","index":1}

            event: message_stop
            data: {"type":"message_stop"}


            """.ReplaceLineEndings("\n");
        var (output, outcome) = await StreamRun.RunAsync(new MemoryStream(Encoding.UTF8.GetBytes(body)), new(StreamCases.Model));
        Assert.Null(outcome.Error);
        Assert.DoesNotContain("query", output);
        Assert.DoesNotContain("tool_calls", output);
        Assert.Equal(["", "ok"], Deltas(output).Where(d => d.TryGetProperty("content", out _)).Select(d => d.GetProperty("content").GetString()));
    }

    private static List<JsonElement> Deltas(string output) =>
        StreamRun.Chunks(output)
            .Where(c => c.TryGetProperty("choices", out var ch) && ch.GetArrayLength() > 0)
            .Select(c => c.GetProperty("choices")[0].GetProperty("delta"))
            .ToList();

    private static Dictionary<int, (string Id, string Name, StringBuilder Args)> ToolCalls(string output)
    {
        var calls = new Dictionary<int, (string Id, string Name, StringBuilder Args)>();
        foreach (var delta in Deltas(output))
        {
            if (!delta.TryGetProperty("tool_calls", out var tcs)) continue;
            foreach (var tc in tcs.EnumerateArray())
            {
                var index = tc.GetProperty("index").GetInt32();
                if (tc.TryGetProperty("id", out var id))
                {
                    Assert.False(calls.ContainsKey(index), "a tool call index is introduced once");
                    Assert.Equal("function", tc.GetProperty("type").GetString());
                    calls[index] = (id.GetString()!, tc.GetProperty("function").GetProperty("name").GetString()!, new StringBuilder());
                }
                calls[index].Args.Append(tc.GetProperty("function").GetProperty("arguments").GetString());
            }
        }
        return calls;
    }
}
