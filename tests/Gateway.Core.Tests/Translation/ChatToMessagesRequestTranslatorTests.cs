using System.Text.Json;
using Gateway.Core.Errors;
using Gateway.Core.Translation;
using static Gateway.Core.Tests.Translation.TranslationHarness;

namespace Gateway.Core.Tests.Translation;

public sealed class ChatToMessagesRequestTranslatorTests
{
    private const string Png1x1 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
    private const string Weather = """{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}""";

    private static string Body(string messages, string extra = "") =>
        $$"""{"model":"gpt-4o","messages":{{messages}}{{(extra.Length > 0 ? "," + extra : "")}}}""";

    private const string Hi = """[{"role":"user","content":"hi"}]""";

    // ---- scalar parameters: one row per mapping row ----
    public static TheoryData<string, string, string, string?> Scalars => new()
    {
        // extra fields, model, wire property, expected raw JSON (null = absent)
        { "\"temperature\":1.7", "claude-sonnet-4-5-20250929", "temperature", "1" },
        { "\"temperature\":0.3", "claude-sonnet-4-5-20250929", "temperature", "0.3" },
        { "\"temperature\":0.3,\"top_p\":0.9", "claude-sonnet-4-5-20250929", "top_p", null },
        { "\"temperature\":0.3,\"top_p\":0.9", "claude-sonnet-4-20250514", "top_p", "0.9" },
        { "\"temperature\":0.3", "claude-sonnet-5-5", "temperature", null },
        { "\"top_k\":5", "claude-sonnet-4-20250514", "top_k", "5" },
        { "\"max_tokens\":100", "claude-sonnet-4-5-20250929", "max_tokens", "100" },
        { "\"max_completion_tokens\":200,\"max_tokens\":100", "claude-sonnet-4-5-20250929", "max_tokens", "200" },
        { "", "claude-sonnet-4-5-20250929", "max_tokens", "4096" },
        { "\"max_tokens\":999999", "claude-3-5-haiku-20241022", "max_tokens", "8192" },
        { "\"stop\":\"END\"", "claude-sonnet-4-5-20250929", "stop_sequences", "[\"END\"]" },
        { "\"stop\":[\"a\",\" \",\"\\n\"]", "claude-sonnet-4-5-20250929", "stop_sequences", "[\"a\"]" },
        { "\"stop\":[\" \"]", "claude-sonnet-4-5-20250929", "stop_sequences", null },
        { "\"user\":\"u-42\"", "claude-sonnet-4-5-20250929", "metadata", "{\"user_id\":\"u-42\"}" },
        { "\"stream\":true", "claude-sonnet-4-5-20250929", "stream", "true" },
        { "\"stream\":false", "claude-sonnet-4-5-20250929", "stream", null },
        { "\"some_unknown_field\":{\"x\":1}", "claude-sonnet-4-5-20250929", "some_unknown_field", null },
    };

    [Theory]
    [MemberData(nameof(Scalars))]
    public void Translate_Scalar_MapsPerTable(string extra, string model, string property, string? expected)
    {
        var (wire, _) = Translate(Body(Hi, extra), model);
        if (expected is null) Assert.False(wire.TryGetProperty(property, out _), $"{property} should be absent");
        else Assert.Equal(expected, wire.GetProperty(property).GetRawText());
    }

    [Fact]
    public void Translate_Temperature_ClampIsAnAdjustment()
    {
        var (_, t) = Translate(Body(Hi, "\"temperature\":1.7"));
        Assert.Contains("temperature 1.7 clamped to 1.0 (Anthropic range is 0-1)", t.Adjustments);
    }

    [Theory]
    [InlineData("\"n\":2", "n")]
    [InlineData("\"temperature\":3", "temperature")]
    [InlineData("\"max_tokens\":0", "max_tokens")]
    [InlineData("\"stop\":5", "stop")]
    [InlineData("\"reasoning_effort\":\"extreme\"", "reasoning_effort")]
    [InlineData("\"tools\":[" + Weather + "],\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"nope\"}}", "tool_choice")]
    public void Translate_Unfixable_Is400WithParam(string extra, string param)
    {
        var e = Assert.Throws<GatewayException>(() => Translate(Body(Hi, extra)));
        Assert.Equal(400, e.Status);
        Assert.Equal(param, e.Param);
    }

    // ---- system / developer ----
    [Fact]
    public void Translate_SystemAndDeveloper_JoinTopLevelSystemInOrder()
    {
        var (wire, _) = Translate(Body("""[{"role":"system","content":"A"},{"role":"developer","content":[{"type":"text","text":"B"}]},{"role":"user","content":"hi"},{"role":"system","content":"C"}]"""));
        Assert.Equal(["A", "B", "C"], wire.GetProperty("system").EnumerateArray().Select(b => b.GetProperty("text").GetString()));
        Assert.Equal("u", Roles(wire));
    }

    // ---- images ----
    public static TheoryData<string, string, string> Images => new()
    {
        { "data:image/png;base64," + Png1x1, "base64", "image/png" },
        { "data:image/jpg;base64," + Png1x1, "base64", "image/png" },   // declared wrong: bytes win
        { "data:;base64," + Png1x1, "base64", "image/png" },            // none declared: sniffed
        { "data:image/jpg;base64,AAAAAAAAAAAAAAAA", "base64", "image/jpeg" }, // unknown bytes: alias normalized
        { "https://example.com/cat.png", "url", "" },
    };

    [Theory]
    [MemberData(nameof(Images))]
    public void Translate_ImageUrl_BecomesImageBlock(string url, string sourceType, string mediaType)
    {
        var (wire, _) = Translate(Body($$$"""[{"role":"user","content":[{"type":"text","text":"what?"},{"type":"image_url","image_url":{"url":"{{{url}}}"}}]}]"""));
        var source = wire.GetProperty("messages")[0].GetProperty("content")[1].GetProperty("source");
        Assert.Equal(sourceType, source.GetProperty("type").GetString());
        if (sourceType == "base64") Assert.Equal(mediaType, source.GetProperty("media_type").GetString());
    }

    [Theory]
    [InlineData("data:image/bmp;base64,AAAAAAAAAAAAAAAA", "unsupported_image_type")]
    [InlineData("data:image/png;base64,@@@@", "invalid_image_url")]
    [InlineData("ftp://example.com/x.png", "invalid_image_url")]
    public void Translate_BadImage_Is400(string url, string code)
    {
        var e = Assert.Throws<GatewayException>(() => Translate(Body($$$"""[{"role":"user","content":[{"type":"image_url","image_url":{"url":"{{{url}}}"}}]}]""")));
        Assert.Equal(code, e.Code);
        Assert.Equal("messages[0].content[0]", e.Param);
    }

    [Fact]
    public void Translate_AudioPart_Is400_FilePart_Dropped()
    {
        Assert.Throws<GatewayException>(() => Translate(Body("""[{"role":"user","content":[{"type":"input_audio","input_audio":{"data":"AA","format":"wav"}}]}]""")));
        var (wire, t) = Translate(Body("""[{"role":"user","content":[{"type":"text","text":"x"},{"type":"file","file":{"file_id":"f"}}]}]"""));
        Assert.Equal("text", BlockTypes(wire.GetProperty("messages")[0]));
        Assert.Contains(t.Adjustments, a => a.Contains("file part dropped"));
    }

    // ---- tools ----
    [Fact]
    public void Translate_Tools_NamesSanitizedSchemasFixedAndMappedBack()
    {
        var (wire, t) = Translate(Body(Hi, """
            "tools":[{"type":"function","function":{"name":"fs.read file"}},
                     {"type":"function","function":{"name":"fs_read_file","parameters":{"properties":{"p":{"type":"string"}}}}},
                     {"type":"function","function":{"name":"fs.read file"}}]
            """));
        var tools = wire.GetProperty("tools").EnumerateArray().ToList();
        Assert.Equal(["fs_read_file", "fs_read_file_2"], tools.Select(x => x.GetProperty("name").GetString()));
        Assert.Equal("""{"type":"object","properties":{}}""", tools[0].GetProperty("input_schema").GetRawText());
        Assert.Equal("object", tools[1].GetProperty("input_schema").GetProperty("type").GetString());
        Assert.Equal("fs.read file", t.Shaping.ClientToolName("fs_read_file"));
        Assert.Equal("fs_read_file", t.Shaping.ClientToolName("fs_read_file_2"));
        Assert.Contains(t.Adjustments, a => a.Contains("duplicate tool name"));
    }

    [Theory]
    [InlineData("\"auto\"", null, "{\"type\":\"auto\"}")]
    [InlineData("\"none\"", null, "{\"type\":\"none\"}")]
    [InlineData("\"required\"", null, "{\"type\":\"any\"}")]
    [InlineData("{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}}", null, "{\"type\":\"tool\",\"name\":\"get_weather\"}")]
    [InlineData("\"auto\"", false, "{\"type\":\"auto\",\"disable_parallel_tool_use\":true}")]
    [InlineData(null, false, "{\"type\":\"auto\",\"disable_parallel_tool_use\":true}")]
    [InlineData("\"required\"", false, "{\"type\":\"any\",\"disable_parallel_tool_use\":true}")]
    public void Translate_ToolChoice_MapsPerTable(string? choice, bool? parallel, string expected)
    {
        var extra = "\"tools\":[" + Weather + "]" + (choice is null ? "" : ",\"tool_choice\":" + choice) + (parallel is null ? "" : ",\"parallel_tool_calls\":" + (parallel.Value ? "true" : "false"));
        var (wire, _) = Translate(Body(Hi, extra));
        Assert.Equal(expected, wire.GetProperty("tool_choice").GetRawText());
    }

    [Fact]
    public void Translate_ToolChoiceWithoutTools_DroppedWithAdjustment()
    {
        var (wire, t) = Translate(Body(Hi, "\"tool_choice\":\"required\""));
        Assert.False(wire.TryGetProperty("tool_choice", out _));
        Assert.Contains(t.Adjustments, a => a.StartsWith("tool_choice dropped"));
    }

    [Fact]
    public void Translate_ForcedToolChoice_OnModelRejectingIt_BecomesAuto()
    {
        var (wire, t) = Translate(Body(Hi, "\"tools\":[" + Weather + "],\"tool_choice\":\"required\""), "claude-opus-5-5");
        Assert.Equal("auto", wire.GetProperty("tool_choice").GetProperty("type").GetString());
        Assert.Contains(t.Adjustments, a => a.Contains("sent as auto"));
    }

    // ---- history ----
    [Fact]
    public void Translate_ToolResults_GroupedInToolUseOrderBeforeUserText()
    {
        var (wire, t) = Translate(Body("""
            [{"role":"user","content":"weather?"},
             {"role":"assistant","content":null,"tool_calls":[
                {"id":"call_a","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Oslo\"}"}},
                {"id":"call.b","type":"function","function":{"name":"get_weather","arguments":"{\"city\":"}}]},
             {"role":"tool","tool_call_id":"call.b","content":"rain"},
             {"role":"tool","tool_call_id":"call_a","content":[{"type":"text","text":"sun"}]},
             {"role":"user","content":"thanks"}]
            """, "\"tools\":[" + Weather + "]"));
        Assert.Empty(Violations(wire));
        Assert.Equal("u,a,u", Roles(wire));
        var assistant = wire.GetProperty("messages")[1].GetProperty("content");
        Assert.Equal("call_b", assistant[1].GetProperty("id").GetString());
        Assert.Equal("{\"city\":", assistant[1].GetProperty("input").GetProperty("_raw").GetString());
        var user = wire.GetProperty("messages")[2];
        Assert.Equal("tool_result,tool_result,text", BlockTypes(user));
        Assert.Equal("call_a", user.GetProperty("content")[0].GetProperty("tool_use_id").GetString());
        Assert.Equal("call_b", user.GetProperty("content")[1].GetProperty("tool_use_id").GetString());
        Assert.Contains(t.Adjustments, a => a.Contains("repaired"));
    }

    [Fact]
    public void Translate_MissingAndOrphanToolResults_NeverForwardedAsInvalid()
    {
        var (wire, _) = Translate(Body("""
            [{"role":"tool","tool_call_id":"ghost","content":"early"},
             {"role":"user","content":"go"},
             {"role":"assistant","content":"","tool_calls":[{"id":"c1","type":"function","function":{"name":"get_weather","arguments":""}}]},
             {"role":"tool","tool_call_id":"other","content":""},
             {"role":"assistant","content":"done  "}]
            """, "\"tools\":[" + Weather + "]"));
        Assert.Empty(Violations(wire));
        var results = wire.GetProperty("messages")[2].GetProperty("content");
        Assert.True(results[0].GetProperty("is_error").GetBoolean());
        Assert.Equal(MessageHistoryMapper.MissingResultText, results[0].GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal("text", results[1].GetProperty("type").GetString());
        Assert.Equal("done", wire.GetProperty("messages")[3].GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal("{}", wire.GetProperty("messages")[1].GetProperty("content")[0].GetProperty("input").GetRawText());
    }

    [Fact]
    public void Translate_StartsWithAssistant_MergesSameRole_DropsEmpty()
    {
        var (wire, t) = Translate(Body("""
            [{"role":"assistant","content":"Hello!"},{"role":"user","content":"a"},{"role":"user","content":"  "},{"role":"user","content":[{"type":"text","text":"b"}]},
             {"role":"assistant","content":null},{"role":"user","content":"c","name":"bob"}]
            """));
        Assert.Empty(Violations(wire));
        Assert.Equal("u,a,u", Roles(wire));
        Assert.Equal("text,text,text", BlockTypes(wire.GetProperty("messages")[2]));
        Assert.Contains(t.Adjustments, a => a.Contains("empty assistant message dropped"));
    }

    [Fact]
    public void Translate_LegacyFunctions_MapToToolsAndPairResults()
    {
        var (wire, t) = Translate(Body("""
            [{"role":"user","content":"weather?"},
             {"role":"assistant","content":null,"function_call":{"name":"get_weather","arguments":"{\"city\":\"Oslo\"}"}},
             {"role":"function","name":"get_weather","content":"sun"}]
            """, "\"functions\":[{\"name\":\"get_weather\",\"parameters\":{\"type\":\"object\",\"properties\":{}}}],\"function_call\":{\"name\":\"get_weather\"}"));
        Assert.True(t.Shaping.LegacyFunctions);
        Assert.Empty(Violations(wire));
        Assert.Equal("{\"type\":\"tool\",\"name\":\"get_weather\"}", wire.GetProperty("tool_choice").GetRawText());
        var id = wire.GetProperty("messages")[1].GetProperty("content")[0].GetProperty("id").GetString();
        Assert.Equal(id, wire.GetProperty("messages")[2].GetProperty("content")[0].GetProperty("tool_use_id").GetString());
    }

    [Fact]
    public void Translate_HistoryToolWithoutDefinitions_GetsPlaceholderAndNoneChoice()
    {
        var (wire, _) = Translate(Body("""
            [{"role":"user","content":"go"},
             {"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"x","arguments":"{}"}}]},
             {"role":"tool","tool_call_id":"c1","content":"ok"}]
            """));
        Assert.Empty(Violations(wire));
        Assert.Equal("none", wire.GetProperty("tool_choice").GetProperty("type").GetString());
    }

    // ---- response_format ----
    [Fact]
    public void Translate_JsonObject_AddsSystemInstruction()
    {
        var (wire, _) = Translate(Body(Hi, "\"response_format\":{\"type\":\"json_object\"}"));
        Assert.Equal(ChatToMessagesRequestTranslator.JsonObjectInstruction, wire.GetProperty("system")[0].GetProperty("text").GetString());
    }

    [Fact]
    public void Translate_JsonSchema_ForcesTool_OrFallsBackToSystem()
    {
        const string rf = "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"answer.v1\",\"schema\":{\"type\":\"object\",\"properties\":{\"x\":{\"type\":\"number\"}}}}}";
        var (wire, t) = Translate(Body(Hi, rf));
        Assert.Equal("answer_v1", t.Shaping.JsonModeToolName);
        Assert.Equal("{\"type\":\"tool\",\"name\":\"answer_v1\"}", wire.GetProperty("tool_choice").GetRawText());

        var (wire2, t2) = Translate(Body(Hi, rf), "claude-opus-5-5");
        Assert.Null(t2.Shaping.JsonModeToolName);
        Assert.False(wire2.TryGetProperty("tool_choice", out _));
        Assert.Contains("\"x\"", wire2.GetProperty("system")[0].GetProperty("text").GetString());
    }

    // ---- thinking ----
    [Theory]
    [InlineData("claude-sonnet-4-5-20250929", "low", "{\"type\":\"enabled\",\"budget_tokens\":2048}", null)]
    [InlineData("claude-sonnet-4-5-20250929", "high", "{\"type\":\"enabled\",\"budget_tokens\":16384}", null)]
    [InlineData("claude-sonnet-4-5", "high", "{\"type\":\"enabled\",\"budget_tokens\":16384}", null)]
    [InlineData("claude-opus-4-6", "medium", "{\"type\":\"adaptive\"}", "{\"effort\":\"medium\"}")]
    [InlineData("claude-opus-4-6", "minimal", "{\"type\":\"adaptive\"}", "{\"effort\":\"low\"}")]
    [InlineData("claude-sonnet-5-5", "none", "{\"type\":\"disabled\"}", null)]
    [InlineData("claude-3-5-haiku-20241022", "high", null, null)]
    public void Translate_ReasoningEffort_MapsPerModel(string model, string effort, string? thinking, string? outputConfig)
    {
        var (wire, _) = Translate(Body(Hi, $"\"reasoning_effort\":\"{effort}\",\"temperature\":0.5"), model);
        Assert.Equal(thinking, wire.TryGetProperty("thinking", out var th) ? th.GetRawText() : null);
        Assert.Equal(outputConfig, wire.TryGetProperty("output_config", out var oc) ? oc.GetRawText() : null);
        if (thinking is not null && !thinking.Contains("disabled")) Assert.False(wire.TryGetProperty("temperature", out _));
    }

    [Fact]
    public void Translate_ManualBudget_RaisesMaxTokens()
    {
        var (wire, t) = Translate(Body(Hi, "\"reasoning_effort\":\"high\",\"max_tokens\":100"));
        Assert.Equal(16484, wire.GetProperty("max_tokens").GetInt32());
        Assert.Contains(t.Adjustments, a => a.StartsWith("max_tokens raised"));
    }

    private const string ToolTurn = """
        [{"role":"user","content":"weather?"},
         {"role":"assistant","content":null,"tool_calls":[{"id":"toolu_1","type":"function","function":{"name":"get_weather","arguments":"{}"}}]},
         {"role":"tool","tool_call_id":"toolu_1","content":"sun"}]
        """;

    [Fact]
    public void Translate_ThinkingWithStoredBlocks_RestoresBeforeToolUse()
    {
        var store = new InMemoryThinkingStore();
        store.Save("toolu_1", new StoredThinking("claude-sonnet-4-5-20250929", [new StoredThinkingBlock("thinking", "hmm", "sig", null)]));
        var (wire, _) = Translate(Body(ToolTurn, "\"tools\":[" + Weather + "],\"reasoning_effort\":\"low\""), store: store);
        Assert.Equal("thinking,tool_use", BlockTypes(wire.GetProperty("messages")[1]));
        Assert.Equal("enabled", wire.GetProperty("thinking").GetProperty("type").GetString());
    }

    [Fact]
    public void Translate_ThinkingStoredUnderSnapshotId_RestoredForApiAlias()
    {
        // The upstream reports the snapshot id; the client keeps sending the undated alias it configured.
        var store = new InMemoryThinkingStore();
        store.Save("toolu_1", new StoredThinking("claude-sonnet-4-5-20250929", [new StoredThinkingBlock("thinking", "hmm", "sig", null)]));
        var (wire, _) = Translate(Body(ToolTurn, "\"tools\":[" + Weather + "],\"reasoning_effort\":\"low\""), "claude-sonnet-4-5", store: store);
        Assert.Equal("thinking,tool_use", BlockTypes(wire.GetProperty("messages")[1]));
    }

    [Fact]
    public void Translate_ThinkingNotRestorable_TurnsThinkingOff()
    {
        var store = new InMemoryThinkingStore();
        store.Save("toolu_1", new StoredThinking("claude-opus-4-6", [new StoredThinkingBlock("thinking", "hmm", "sig", null)]));
        var (wire, t) = Translate(Body(ToolTurn, "\"tools\":[" + Weather + "],\"reasoning_effort\":\"low\""), store: store);
        Assert.False(wire.TryGetProperty("thinking", out _));
        Assert.Equal("tool_use", BlockTypes(wire.GetProperty("messages")[1]));
        Assert.Contains(t.Adjustments, a => a.StartsWith("thinking turned off"));

        var (wire2, _) = Translate(Body(ToolTurn, "\"tools\":[" + Weather + "]"), "claude-sonnet-5-5");
        Assert.Equal("{\"type\":\"disabled\"}", wire2.GetProperty("thinking").GetRawText());
    }

    [Fact]
    public void Translate_ThinkingAlwaysOn_NotRestorable_FlattensLastToolTurn()
    {
        var (wire, t) = Translate(Body(ToolTurn, "\"tools\":[" + Weather + "]"), "claude-opus-5-5");
        Assert.Empty(Violations(wire));
        Assert.False(wire.TryGetProperty("thinking", out _));
        Assert.Equal("text", BlockTypes(wire.GetProperty("messages")[1]));
        Assert.Contains(t.Adjustments, a => a.Contains("sent as text"));
    }

    [Fact]
    public void Translate_StreamOptions_SetIncludeUsageAndModel()
    {
        var (_, t) = Translate(Body(Hi, "\"stream\":true,\"stream_options\":{\"include_usage\":true}"), "claude-haiku-4-5-20251001");
        Assert.True(t.Shaping.IncludeUsage);
        Assert.Equal("claude-haiku-4-5-20251001", t.Shaping.ResponseModel);
    }
}
