using System.Text.Json;
using System.Text.Json.Nodes;
using static Gateway.Simulator.Tests.Sim;

namespace Gateway.Simulator.Tests;

/// <summary>Requests a real client produces are accepted and answered with a complete Message.</summary>
public sealed class AcceptanceTests(SimulatorFixture sim) : IClassFixture<SimulatorFixture>
{
    private const string Tool = "{'name':'get_weather','description':'Weather','input_schema':{'type':'object','properties':{'city':{'type':'string'}},'required':['city']},'cache_control':{'type':'ephemeral','ttl':'1h'}}";

    public static TheoryData<string, string> Accepted => new()
    {
        { "plain", Body(User("Hello")) },
        { "system string and blocks", Body(User("Hi"), "'system':[{'type':'text','text':'Be brief','cache_control':{'type':'ephemeral'}}]") },
        { "sampling", Body(User("Hi"), "'temperature':0.2,'top_k':40,'stop_sequences':['END'],'metadata':{'user_id':'u1'}", model: "claude-sonnet-4-20250514") },
        { "temperature and top_p on sonnet 4", Body(User("Hi"), "'temperature':0.2,'top_p':0.9", model: "claude-sonnet-4-20250514") },
        { "temperature 1 on opus 4.7", Body(User("Hi"), "'temperature':1", model: "claude-opus-4-7") },
        { "consecutive user turns", Body("[{'role':'user','content':'a'},{'role':'user','content':'b'}]") },
        { "prefill on sonnet 4.5", Body("[{'role':'user','content':'Hi'},{'role':'assistant','content':'Sure:'}]") },
        { "empty final assistant", Body("[{'role':'user','content':'Hi'},{'role':'assistant','content':''}]") },
        { "png image", Body("[{'role':'user','content':[{'type':'image','source':{'type':'base64','media_type':'image/png','data':'" + Png1x1 + "'}},{'type':'text','text':'What is this?'}]}]") },
        { "jpeg image", Body("[{'role':'user','content':[{'type':'image','source':{'type':'base64','media_type':'image/jpeg','data':'" + JpegHeader + "'}},{'type':'text','text':'What is this?'}]}]") },
        { "url image", Body("[{'role':'user','content':[{'type':'image','source':{'type':'url','url':'https://example.com/a.png'}},{'type':'text','text':'What?'}]}]") },
        { "tool round trip", Body("[{'role':'user','content':'Weather?'},{'role':'assistant','content':[{'type':'text','text':'Checking.'},{'type':'tool_use','id':'toolu_01A','name':'get_weather','input':{'city':'Paris'}},{'type':'tool_use','id':'toolu_01B','name':'get_weather','input':{'city':'Rome'}}]},{'role':'user','content':[{'type':'tool_result','tool_use_id':'toolu_01A','content':'sunny'},{'type':'tool_result','tool_use_id':'toolu_01B','content':[{'type':'text','text':'rain'}],'is_error':false},{'type':'text','text':'Thanks'}]}]", $"'tools':[{Tool}],'tool_choice':{{'type':'auto','disable_parallel_tool_use':false}}") },
        { "forced tool without thinking", Body(User("Hi"), $"'tools':[{Tool}],'tool_choice':{{'type':'tool','name':'get_weather'}}") },
        { "adaptive thinking on opus 4.6", Body(User("Hi"), "'thinking':{'type':'adaptive'},'output_config':{'effort':'high'}", model: "claude-opus-4-6") },
        { "enabled thinking on opus 4.6", Body(User("Hi"), "'thinking':{'type':'enabled','budget_tokens':1024}", model: "claude-opus-4-6", maxTokens: 2048) },
        { "nulls for optional fields", Body(User("Hi"), "'temperature':null,'system':null,'tools':null") },
        { "alias claude-opus-4-0", Body(User("Hi"), model: "claude-opus-4-0") },
        { "newest model", Body(User("Hi"), model: "claude-opus-5-5", maxTokens: 128000) },
    };

    [Theory]
    [MemberData(nameof(Accepted))]
    public async Task Validate_ValidRequest_Accepted(string name, string body)
    {
        var (status, text, _) = await PostAsync(sim.Http, body);
        Assert.True(status == 200, $"{name}: {status} {text}");
        var message = JsonDocument.Parse(text).RootElement;
        Assert.Equal("message", message.GetProperty("type").GetString());
        Assert.StartsWith("msg_", message.GetProperty("id").GetString());
        Assert.Equal("assistant", message.GetProperty("role").GetString());
        var usage = message.GetProperty("usage");
        foreach (var field in new[] { "input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens" })
            Assert.True(usage.GetProperty(field).GetInt32() >= 0, field);
    }

    [Fact]
    public async Task Default_Answer_QuotesLastUserText()
    {
        var message = await OkAsync(sim.Http, Body(User("What is the capital of France?")));
        Assert.Equal("Simulated answer to: What is the capital of France?", message.GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal("end_turn", message.GetProperty("stop_reason").GetString());
        Assert.Equal(JsonValueKind.Null, message.GetProperty("stop_sequence").ValueKind);
    }

    [Fact]
    public async Task Default_SameRequest_SameAnswerAndUsage()
    {
        var body = Body(User("Deterministic please"), "'system':'sys'");
        var a = await OkAsync(sim.Http, body);
        var b = await OkAsync(sim.Http, body);
        Assert.Equal(a.GetProperty("content").GetRawText(), b.GetProperty("content").GetRawText());
        Assert.Equal(a.GetProperty("usage").GetRawText(), b.GetProperty("usage").GetRawText());
        Assert.NotEqual(a.GetProperty("id").GetString(), b.GetProperty("id").GetString());
    }

    [Fact]
    public async Task Thinking_SignedBlock_RoundTripsOnSameModelOnly()
    {
        const string tools = "'tools':[{'name':'get_weather','input_schema':{'type':'object'}}],'thinking':{'type':'enabled','budget_tokens':1024}";
        var first = await OkAsync(sim.Http, Body(User("Weather [[sim:thinking]] [[sim:tool get_weather {'city':'Oslo'}]]"), tools, maxTokens: 4096));
        var content = first.GetProperty("content");
        Assert.Equal("thinking", content[0].GetProperty("type").GetString());
        Assert.False(string.IsNullOrEmpty(content[0].GetProperty("signature").GetString()));
        Assert.Equal("tool_use", content[1].GetProperty("type").GetString());
        var toolId = content[1].GetProperty("id").GetString();

        string History(string assistantContent) =>
            $"[{{'role':'user','content':'Weather'}},{{'role':'assistant','content':{assistantContent}}},{{'role':'user','content':[{{'type':'tool_result','tool_use_id':'{toolId}','content':'cold'}}]}}]";
        var exact = content.GetRawText().Replace('"', '\'');

        await OkAsync(sim.Http, Body(History(exact), tools, maxTokens: 4096));
        await OkAsync(sim.Http, Body(History(exact), tools, model: "claude-sonnet-4-5-20250929", maxTokens: 4096)); // alias and snapshot share signatures

        var (otherModel, otherText, _) = await PostAsync(sim.Http, Body(History(exact), tools, model: "claude-opus-4-5", maxTokens: 4096));
        Assert.Equal(400, otherModel);
        Assert.Contains("Invalid `signature`", ErrorMessage(otherText));

        var tampered = JsonNode.Parse(content.GetRawText())!.AsArray();
        tampered[0]!["thinking"] = "edited";
        var (edited, editedText, _) = await PostAsync(sim.Http, Body(History(tampered.ToJsonString().Replace('"', '\'')), tools, maxTokens: 4096));
        Assert.Equal(400, edited);
        Assert.Contains("Invalid `signature`", ErrorMessage(editedText));
    }

    [Fact]
    public async Task Thinking_AlwaysOnModel_StartsWithThinkingBlock()
    {
        var message = await OkAsync(sim.Http, Body(User("Hello"), model: "claude-fable-5-2"));
        Assert.Equal("thinking", message.GetProperty("content")[0].GetProperty("type").GetString());
        Assert.Equal("text", message.GetProperty("content")[1].GetProperty("type").GetString());
    }

    [Fact]
    public async Task Usage_InputTokens_CountSystemAndTools()
    {
        var plain = await OkAsync(sim.Http, Body(User("Hi")));
        var more = await OkAsync(sim.Http, Body(User("Hi"), "'system':'" + new string('s', 400) + "','tools':[{'name':'t','input_schema':{'type':'object'}}]"));
        Assert.True(more.GetProperty("usage").GetProperty("input_tokens").GetInt32() >= plain.GetProperty("usage").GetProperty("input_tokens").GetInt32() + 100);
    }

    [Fact]
    public async Task CountTokens_ReturnsInputTokens()
    {
        var (status, text, _) = await PostAsync(sim.Http, J("{'model':'claude-sonnet-4-5','messages':[{'role':'user','content':'Hello world'}]}"), "/v1/messages/count_tokens");
        Assert.Equal(200, status);
        Assert.True(JsonDocument.Parse(text).RootElement.GetProperty("input_tokens").GetInt32() > 0);
    }

    [Fact]
    public async Task Models_ListsNewestAndAliases()
    {
        var text = await sim.Http.GetStringAsync("/v1/models");
        Assert.Contains("claude-opus-5-5", text);
        Assert.Contains("claude-haiku-4-5", text);
    }
}
