using System.Text.Json;
using Gateway.Policy.Abstractions;
using Gateway.Policy.Tests.Pipeline;
using Gateway.Policy.Views;
using static Gateway.Policy.Tests.Pipeline.PolicyTestKit;

namespace Gateway.Policy.Tests.Views;

public class RequestViewMapperTests
{
    private const string Mixed = """
        {"model":"gpt-4o","stream":true,"max_completion_tokens":900,"temperature":0.2,
         "tools":[{"type":"function","function":{"name":"read_file","description":"Reads","parameters":{"type":"object"}}}],
         "messages":[
          {"role":"system","content":"You are helpful."},
          {"role":"developer","content":[{"type":"text","text":"Dev A"},{"type":"text","text":"Dev B"}]},
          {"role":"user","content":[{"type":"text","text":"look","cache_control":{"type":"ephemeral"}},{"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}}]},
          {"role":"assistant","content":"Reading.","tool_calls":[{"id":"call_1","type":"function","function":{"name":"read_file","arguments":"{\"path\":\"a.cs\"}"}}]},
          {"role":"tool","tool_call_id":"call_1","content":"class A {}"},
          {"role":"assistant","content":null,"function_call":{"name":"legacy_fn","arguments":"{}"}},
          {"role":"function","name":"legacy_fn","content":"legacy result"},
          {"role":"user","content":"now fix it"}
         ]}
        """;

    [Fact]
    public void Maps_roles_blocks_tools_and_parameters()
    {
        var view = View(Parse(Mixed), "s1", Sonnet, "alias");
        var shape = view.Messages.Select(m => $"{m.Index}:{m.Role}:" + string.Join("|", m.Blocks.Select(b => $"{b.Kind}({b.Text},{b.ToolName},{b.ToolCallId})"))).ToList();
        Assert.Equal(
        [
            "0:System:Text(You are helpful.,,)",
            "1:System:Text(Dev A,,)|Text(Dev B,,)",
            "2:User:Text(look,,)|Image(,,)",
            "3:Assistant:Text(Reading.,,)|ToolCall({\"path\":\"a.cs\"},read_file,call_1)",
            "4:Tool:ToolResult(class A {},read_file,call_1)",
            "5:Assistant:ToolCall({},legacy_fn,)",
            "6:Tool:ToolResult(legacy result,legacy_fn,)",
            "7:User:Text(now fix it,,)",
        ], shape);
        Assert.True(view.Messages[7].IsLatestUserMessage);
        Assert.False(view.Messages[2].IsLatestUserMessage);
        Assert.Equal(1, view.Messages[2].TurnsFromEnd);
        Assert.Equal("gpt-4o", view.RequestedModel);
        Assert.Equal(Sonnet, view.Model);
        Assert.Equal("alias", view.ModelSource);
        Assert.Equal("s1", view.SessionId);
        Assert.Equal(new RequestParameters(900, 0.2, null, true, null, true), view.Parameters);
        Assert.Equal("read_file", Assert.Single(view.Tools).Name);
        Assert.Equal(3, view.SystemBlocks.Count());
    }

    [Fact]
    public void Round_trip_without_changes_keeps_the_request_identical()
    {
        var request = Parse(Mixed);
        var before = Serialize(request);
        var view = View(request, model: Sonnet);
        RequestViewMapper.ApplyTo(view, request);
        Assert.Equal(before.Replace("\"gpt-4o\"", $"\"{Sonnet}\""), Serialize(request));
    }

    [Fact]
    public void Changed_blocks_are_written_back_in_their_own_shape_and_untouched_messages_stay_identical()
    {
        var request = Parse(Mixed);
        var original = request.Messages!.Select(Serialize).ToList();
        var view = View(request);
        var ctx = Context(view);
        var scope = ctx.BeginRule("t");
        ctx.ReplaceText(view.Messages[0].Blocks[0], "SYS", "t");          // string content
        ctx.ReplaceText(view.Messages[2].Blocks[0], "LOOK", "t");         // a part with extra properties
        ctx.ReplaceText(view.Messages[4].Blocks[0], "RESULT", "t");       // tool result
        ctx.EndRule(scope);
        RequestViewMapper.ApplyTo(view, request);

        var m = request.Messages!;
        Assert.Equal(JsonValueKind.String, m[0].Content!.Value.ValueKind);
        Assert.Equal("SYS", m[0].Content!.Value.GetString());
        Assert.Equal("""[{"type":"text","text":"LOOK","cache_control":{"type":"ephemeral"}},{"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}}]""",
            m[2].Content!.Value.GetRawText());
        Assert.Equal("RESULT", m[4].Content!.Value.GetString());
        foreach (var i in new[] { 1, 3, 5, 6, 7 }) Assert.Equal(original[i], Serialize(m[i]));
    }

    [Fact]
    public void Tool_result_with_parts_gets_its_new_text_in_the_first_text_part_and_keeps_images()
    {
        var request = Parse("""
            {"model":"m","messages":[{"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"shot","arguments":"{}"}}]},
             {"role":"tool","tool_call_id":"c","content":[{"type":"text","text":"one"},{"type":"image_url","image_url":{"url":"https://x/y.png"}},{"type":"text","text":"two"}]},
             {"role":"user","content":"go"}]}
            """);
        var view = View(request);
        Assert.Equal("one\ntwo", view.Messages[1].Blocks[0].Text);
        Assert.Equal(BlockKind.Image, view.Messages[1].Blocks[1].Kind);
        Assert.Equal("shot", view.Messages[1].Blocks[0].ToolName);
        var ctx = Context(view);
        var scope = ctx.BeginRule("t");
        ctx.ReplaceText(view.Messages[1].Blocks[0], "short", "t");
        ctx.EndRule(scope);
        RequestViewMapper.ApplyTo(view, request);
        Assert.Equal("""[{"type":"text","text":"short"},{"type":"image_url","image_url":{"url":"https://x/y.png"}}]""", request.Messages![1].Content!.Value.GetRawText());
    }

    public static TheoryData<string, int> NotePositions => new()
    {
        { """[{"role":"system","content":"a"},{"role":"developer","content":"b"},{"role":"user","content":"u"},{"role":"system","content":"late"}]""", 2 },
        { """[{"role":"user","content":"u"},{"role":"assistant","content":"x"}]""", 0 },
        { """[{"role":"system","content":"a"}]""", 1 },
    };

    [Theory]
    [MemberData(nameof(NotePositions))]
    public void System_notes_become_one_system_message_after_the_leading_system_messages(string messages, int expectedIndex)
    {
        var request = Parse($$"""{"model":"m","messages":{{messages}}}""");
        var count = request.Messages!.Count;
        var view = View(request);
        var ctx = Context(view);
        var scope = ctx.BeginRule("t");
        ctx.AddSystemNote("one", "Note one.");
        ctx.AddSystemNote("two", "Note two.");
        ctx.EndRule(scope);
        RequestViewMapper.ApplyTo(view, request);
        Assert.Equal(count + 1, request.Messages!.Count);
        var note = request.Messages[expectedIndex];
        Assert.Equal("system", note.Role);
        Assert.Equal("Note one.\n\nNote two.", note.Content!.Value.GetString());
    }

    [Fact]
    public void Routed_model_is_written_into_the_request()
    {
        var request = Parse("""{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}""");
        var view = View(request, model: Sonnet);
        var ctx = Context(view);
        var scope = ctx.BeginRule("r");
        Assert.True(ctx.RouteTo(Opus, "test"));
        ctx.EndRule(scope);
        RequestViewMapper.ApplyTo(view, request);
        Assert.Equal(Opus, request.Model);
        Assert.Equal("routed:test", view.ModelSource);
    }
}
