using System.Text.Json;
using Gateway.Core.Protocol.Anthropic;
using Gateway.Core.Protocol.OpenAi;
using Gateway.Core.Tests.Streaming;
using Gateway.Core.Translation;

namespace Gateway.Core.Tests.ResponseTranslation;

public sealed class MessagesToChatResponseTranslatorTests
{
    private const string Model = "claude-sonnet-4-5";

    private static MessagesResponse Load(string fixture) =>
        JsonSerializer.Deserialize(Fixtures.Bytes("responses/" + fixture), AnthropicResponseJsonContext.Default.MessagesResponse)!;

    private static (ChatCompletionResponse Response, JsonElement Json) Translate(string fixture, ResponseShaping shaping, IThinkingStore? store = null)
    {
        var response = new MessagesToChatResponseTranslator(store ?? new InMemoryThinkingStore(), FixedTimeProvider.Default).Translate(Load(fixture), shaping);
        var json = JsonSerializer.SerializeToUtf8Bytes(response, OpenAiResponseJsonContext.Default.ChatCompletionResponse);
        return (response, JsonDocument.Parse(json).RootElement.Clone());
    }

    [Fact]
    public void Translate_Text_ShapesChatCompletion()
    {
        var (_, json) = Translate("messages-text.json", new(Model));
        Assert.Equal("chatcmpl-msg_013Zva2CMHLNnXjNJJKqJ2EF", json.GetProperty("id").GetString());
        Assert.Equal("chat.completion", json.GetProperty("object").GetString());
        Assert.Equal(1_750_000_000, json.GetProperty("created").GetInt64());
        Assert.Equal(Model, json.GetProperty("model").GetString());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("system_fingerprint").ValueKind);

        var choice = Assert.Single(json.GetProperty("choices").EnumerateArray());
        Assert.Equal(0, choice.GetProperty("index").GetInt32());
        Assert.Equal(JsonValueKind.Null, choice.GetProperty("logprobs").ValueKind);
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
        var message = choice.GetProperty("message");
        Assert.Equal("assistant", message.GetProperty("role").GetString());
        Assert.Equal("Hi! My name is Claude. How can I help — héllo 🎉?", message.GetProperty("content").GetString());
        Assert.Equal(JsonValueKind.Null, message.GetProperty("refusal").ValueKind);
        Assert.False(message.TryGetProperty("tool_calls", out _));
        Assert.False(message.TryGetProperty("function_call", out _));
        Assert.False(message.TryGetProperty("reasoning_content", out _));

        var usage = json.GetProperty("usage");
        Assert.Equal(2095 + 300 + 1800, usage.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(503, usage.GetProperty("completion_tokens").GetInt32());
        Assert.Equal(2095 + 300 + 1800 + 503, usage.GetProperty("total_tokens").GetInt32());
        Assert.Equal(1800, usage.GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32());
        Assert.Equal(0, usage.GetProperty("completion_tokens_details").GetProperty("reasoning_tokens").GetInt32());
    }

    [Fact]
    public void Usage_WithCache_PromptIncludesCacheReadAndWrite()
    {
        var usage = MessagesToChatResponseTranslator.Usage(Load("messages-text.json"));
        Assert.Equal(new UsageSummary(2095, 503, 300, 1800), usage);
        Assert.Equal(4195, usage.PromptTokens);
    }

    [Fact]
    public void Usage_NullCacheFields_AreZero() =>
        Assert.Equal(new UsageSummary(610, 120, 0, 0), MessagesToChatResponseTranslator.Usage(Load("messages-parallel-tools.json")));

    [Fact]
    public void Translate_ToolUse_ToolCallsWithArgumentsAsJsonString()
    {
        var (response, json) = Translate("messages-tool-use.json", new(Model));
        var message = json.GetProperty("choices")[0].GetProperty("message");
        Assert.Equal("I'll check the weather.", message.GetProperty("content").GetString());
        var call = Assert.Single(message.GetProperty("tool_calls").EnumerateArray());
        Assert.Equal("toolu_01A09q90qw90lq917835lq9", call.GetProperty("id").GetString());
        Assert.Equal("function", call.GetProperty("type").GetString());
        Assert.Equal("get_weather", call.GetProperty("function").GetProperty("name").GetString());
        var args = JsonDocument.Parse(call.GetProperty("function").GetProperty("arguments").GetString()!).RootElement;
        Assert.Equal("celsius", args.GetProperty("unit").GetString());
        Assert.Equal("tool_calls", response.Choices[0].FinishReason);
    }

    [Fact]
    public void Translate_OnlyToolCalls_ContentNullServerToolsSkippedNamesMappedBack()
    {
        var shaping = new ResponseShaping(Model, ToolNamesToClient: new Dictionary<string, string> { ["web_search_v2"] = "web.search" });
        var (_, json) = Translate("messages-parallel-tools.json", shaping);
        var message = json.GetProperty("choices")[0].GetProperty("message");
        Assert.Equal(JsonValueKind.Null, message.GetProperty("content").ValueKind);
        var calls = message.GetProperty("tool_calls").EnumerateArray().ToList();
        Assert.Equal(["toolu_01First", "toolu_01Second"], calls.Select(c => c.GetProperty("id").GetString()));
        Assert.Equal(["get_weather", "web.search"], calls.Select(c => c.GetProperty("function").GetProperty("name").GetString()));
        Assert.Equal("{}", calls[1].GetProperty("function").GetProperty("arguments").GetString());
    }

    [Fact]
    public void Translate_LegacyFunctions_FunctionCallFirstToolOnly()
    {
        var (response, json) = Translate("messages-parallel-tools.json", new(Model, LegacyFunctions: true));
        var message = json.GetProperty("choices")[0].GetProperty("message");
        Assert.False(message.TryGetProperty("tool_calls", out _));
        Assert.Equal("get_weather", message.GetProperty("function_call").GetProperty("name").GetString());
        Assert.Equal("""{"location": "Paris"}""", message.GetProperty("function_call").GetProperty("arguments").GetString());
        Assert.Equal("function_call", response.Choices[0].FinishReason);
    }

    [Fact]
    public void Translate_JsonMode_ToolInputBecomesContentFinishStop()
    {
        var (response, json) = Translate("messages-tool-use.json", new(Model, JsonModeToolName: "get_weather"));
        var message = json.GetProperty("choices")[0].GetProperty("message");
        Assert.False(message.TryGetProperty("tool_calls", out _));
        var content = JsonDocument.Parse(message.GetProperty("content").GetString()!).RootElement;
        Assert.Equal("San Francisco, CA", content.GetProperty("location").GetString());
        Assert.Equal("stop", response.Choices[0].FinishReason);
    }

    [Fact]
    public async Task Translate_Thinking_ReasoningContentSeparateAndStoredPerToolCall()
    {
        var store = new InMemoryThinkingStore();
        var (_, json) = Translate("messages-thinking-tool.json", new(Model), store);
        var message = json.GetProperty("choices")[0].GetProperty("message");
        Assert.Equal("The user wants the weather in Paris. I should call get_weather.", message.GetProperty("reasoning_content").GetString());
        Assert.Equal(JsonValueKind.Null, message.GetProperty("content").ValueKind);
        Assert.InRange(json.GetProperty("usage").GetProperty("completion_tokens_details").GetProperty("reasoning_tokens").GetInt32(), 1, 160);

        var stored = await store.GetAsync("toolu_01ThinkNS");
        Assert.NotNull(stored);
        Assert.Equal("claude-sonnet-4-5-20250929", stored!.Model);
        Assert.Equal(new StoredThinkingBlock("thinking", "The user wants the weather in Paris. I should call get_weather.", "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds", null), stored.Blocks[0]);
        Assert.Equal(new StoredThinkingBlock("redacted_thinking", null, null, "EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpPkNRj2YfWXGmKDxH4mPnZ5sQ7vB5URj"), stored.Blocks[1]);
    }

    [Fact]
    public async Task Translate_ToolWithoutThinking_StoresNothing()
    {
        var store = new InMemoryThinkingStore();
        Translate("messages-tool-use.json", new(Model), store);
        Assert.Null(await store.GetAsync("toolu_01A09q90qw90lq917835lq9"));
    }

    [Theory]
    [InlineData("end_turn", false, null, "stop")]
    [InlineData("stop_sequence", false, null, "stop")]
    [InlineData("pause_turn", false, null, "stop")]
    [InlineData("max_tokens", false, null, "length")]
    [InlineData("model_context_window_exceeded", false, null, "length")]
    [InlineData("tool_use", false, null, "tool_calls")]
    [InlineData("tool_use", true, null, "function_call")]
    [InlineData("tool_use", false, "get_weather", "stop")]
    [InlineData("refusal", false, null, "content_filter")]
    [InlineData(null, false, null, "stop")]
    [InlineData("some_future_reason", false, null, "stop")]
    public void Translate_StopReason_MapsToFinishReason(string? stopReason, bool legacy, string? jsonTool, string expected)
    {
        var message = Load("messages-tool-use.json");
        message.StopReason = stopReason;
        var response = new MessagesToChatResponseTranslator(new InMemoryThinkingStore()).Translate(message, new(Model, LegacyFunctions: legacy, JsonModeToolName: jsonTool));
        Assert.Equal(expected, response.Choices[0].FinishReason);
    }

    [Fact]
    public void Deserialize_UnknownFieldsAndBlockTypes_AreTolerated()
    {
        var body = """{"id":"msg_x","type":"message","role":"assistant","model":"m","content":[{"type":"mystery_block","payload":{"a":[1]}},{"type":"text","text":"ok","citations":[{"type":"char_location"}]}],"stop_reason":"end_turn","usage":{"input_tokens":1,"output_tokens":2,"server_tool_use":{"web_search_requests":1}},"container":null}"""u8.ToArray();
        var message = JsonSerializer.Deserialize(body, AnthropicResponseJsonContext.Default.MessagesResponse)!;
        var response = new MessagesToChatResponseTranslator(new InMemoryThinkingStore()).Translate(message, new(Model));
        Assert.Equal("ok", response.Choices[0].Message.Content);
    }
}
