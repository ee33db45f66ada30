using System.Text.Json;
using Gateway.Policy.Abstractions;
using Gateway.Policy.Tests.Pipeline;
using Gateway.Policy.Views;
using static Gateway.Policy.Tests.Pipeline.PolicyTestKit;

namespace Gateway.Policy.Tests.Views;

/// <summary>The view rules see, mapped from the canonical (Anthropic Messages) request the OpenAI ingress builds, and written back into it.</summary>
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
        var view = View(Mixed, "s1", Sonnet, "alias");
        var shape = view.Messages.Select(m => $"{m.Index}:{m.Role}:" + string.Join("|", m.Blocks.Select(b => $"{b.Kind}({b.Text},{b.ToolName})"))).ToList();
        Assert.Equal(
        [
            // One view message per client message, as the client sent them (a developer message's parts are one system block).
            "0:System:Text(You are helpful.,)",
            "1:System:Text(Dev A\nDev B,)",
            "2:User:Text(look,)|Image(,)",
            "3:Assistant:Text(Reading.,)|ToolCall({\"path\":\"a.cs\"},read_file)",
            "4:Tool:ToolResult(class A {},read_file)",
            "5:Assistant:ToolCall({},legacy_fn)",
            "6:Tool:ToolResult(legacy result,legacy_fn)",
            "7:User:Text(now fix it,)",
        ], shape);
        // A tool result carries the id of the call it answers.
        Assert.Equal(view.Messages[3].Blocks[1].ToolCallId, view.Messages[4].Blocks[0].ToolCallId);
        Assert.Equal(view.Messages[5].Blocks[0].ToolCallId, view.Messages[6].Blocks[0].ToolCallId);
        Assert.True(view.Messages[7].IsLatestUserMessage);
        Assert.False(view.Messages[2].IsLatestUserMessage);
        Assert.Equal(1, view.Messages[2].TurnsFromEnd);
        Assert.Equal("gpt-4o", view.RequestedModel);
        Assert.Equal(Sonnet, view.Model);
        Assert.Equal("alias", view.ModelSource);
        Assert.Equal("s1", view.SessionId);
        Assert.Equal(new RequestParameters(900, 0.2, null, true, null, true), view.Parameters);
        Assert.Equal("read_file", view.Tools[0].Name);
        Assert.Equal(2, view.SystemBlocks.Count());
    }

    [Fact]
    public void Round_trip_without_changes_keeps_the_request_identical_but_for_the_model()
    {
        var request = Canonical(Mixed);
        var before = Serialize(request);
        var mapped = RequestViewMapper.ToView(request, Sonnet, "alias", new Dictionary<string, string>(), null);
        RequestViewMapper.ApplyTo(mapped, request);
        Assert.Equal(before.Replace("\"model\":\"\"", $"\"model\":\"{Sonnet}\""), Serialize(request));
    }

    [Fact]
    public void Changed_blocks_are_written_into_the_blocks_they_came_from_and_untouched_messages_stay_identical()
    {
        var request = Canonical(Mixed);
        var original = request.Request.Messages.Select(Serialize).ToList();
        var mapped = RequestViewMapper.ToView(request, Sonnet, "alias", new Dictionary<string, string>(), null);
        var view = mapped.View;
        var ctx = Context(view);
        var scope = ctx.BeginRule("t");
        ctx.ReplaceText(view.Messages[0].Blocks[0], "SYS", "t");          // a system block
        ctx.ReplaceText(view.Messages[2].Blocks[0], "LOOK", "t");         // a text block beside an image
        ctx.ReplaceText(view.Messages[4].Blocks[0], "RESULT", "t");       // a tool result
        ctx.EndRule(scope);
        RequestViewMapper.ApplyTo(mapped, request);

        var r = request.Request;
        Assert.Equal(["SYS", "Dev A\nDev B"], r.System!.Select(b => b.Text!).ToList());
        Assert.Equal("LOOK", r.Messages[0].Content[0].Text);
        Assert.Equal("image", r.Messages[0].Content[1].Type);
        var result = r.Messages.SelectMany(m => m.Content).First(b => b.Type == "tool_result");
        Assert.Equal("RESULT", Assert.Single(result.Content!).Text);
        var changed = new HashSet<int> { 0, 2 }; // the user message with LOOK, the user message holding the tool result
        for (var i = 0; i < original.Count; i++)
            if (!changed.Contains(i)) Assert.Equal(original[i], Serialize(r.Messages[i]));
    }

    [Fact]
    public void Tool_result_with_parts_gets_its_new_text_in_the_first_text_part_and_keeps_images()
    {
        var request = Canonical("""
            {"model":"m","messages":[{"role":"user","content":"take a shot"},{"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"shot","arguments":"{}"}}]},
             {"role":"tool","tool_call_id":"c","content":[{"type":"text","text":"one"},{"type":"image_url","image_url":{"url":"https://x/y.png"}},{"type":"text","text":"two"}]},
             {"role":"user","content":"go"}]}
            """);
        var mapped = RequestViewMapper.ToView(request, Sonnet, "alias", new Dictionary<string, string>(), null);
        var view = mapped.View;
        var tool = view.Messages.Single(m => m.Role == MessageRole.Tool);
        Assert.Equal("one\ntwo", tool.Blocks[0].Text);
        Assert.Equal(BlockKind.Image, tool.Blocks[1].Kind);
        Assert.Equal("shot", tool.Blocks[0].ToolName);
        var ctx = Context(view);
        var scope = ctx.BeginRule("t");
        ctx.ReplaceText(tool.Blocks[0], "short", "t");
        ctx.EndRule(scope);
        RequestViewMapper.ApplyTo(mapped, request);
        var result = request.Request.Messages.SelectMany(m => m.Content).Single(b => b.Type == "tool_result");
        Assert.Equal(["text:short", "image:"], result.Content!.Select(c => $"{c.Type}:{c.Text}").ToList());
    }

    public static TheoryData<string, int> NotePositions => new()
    {
        { """[{"role":"system","content":"a"},{"role":"developer","content":"b"},{"role":"user","content":"u"}]""", 2 },
        { """[{"role":"user","content":"u"},{"role":"assistant","content":"x"}]""", 0 },
        { """[{"role":"system","content":"a"},{"role":"user","content":"u"}]""", 1 },
    };

    [Theory]
    [MemberData(nameof(NotePositions))]
    public void System_notes_become_one_system_block_after_the_client_system_blocks(string messages, int expectedIndex)
    {
        var request = Canonical($$"""{"model":"m","messages":{{messages}}}""");
        var conversation = request.Request.Messages.Select(Serialize).ToList();
        var mapped = RequestViewMapper.ToView(request, Sonnet, "alias", new Dictionary<string, string>(), null);
        var ctx = Context(mapped.View);
        var scope = ctx.BeginRule("t");
        ctx.AddSystemNote("one", "Note one.");
        ctx.AddSystemNote("two", "Note two.");
        ctx.EndRule(scope);
        RequestViewMapper.ApplyTo(mapped, request);
        var system = request.Request.System!;
        Assert.Equal(expectedIndex + 1, system.Count);
        Assert.Equal("Note one.\n\nNote two.", system[expectedIndex].Text);
        Assert.Equal(conversation, request.Request.Messages.Select(Serialize).ToList()); // the conversation itself is untouched
    }

    [Fact]
    public void Routed_model_is_written_into_the_request()
    {
        var request = Canonical("""{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}""");
        var mapped = RequestViewMapper.ToView(request, Sonnet, "alias", new Dictionary<string, string>(), null);
        var ctx = Context(mapped.View);
        var scope = ctx.BeginRule("r");
        Assert.True(ctx.RouteTo(Opus, "test"));
        ctx.EndRule(scope);
        RequestViewMapper.ApplyTo(mapped, request);
        Assert.Equal(Opus, request.Request.Model);
        Assert.Equal("routed:test", mapped.View.ModelSource);
    }
}
