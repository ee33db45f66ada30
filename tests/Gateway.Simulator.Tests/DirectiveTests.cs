using System.Diagnostics;
using System.Text.Json;
using static Gateway.Simulator.Tests.Sim;

namespace Gateway.Simulator.Tests;

/// <summary>[[sim:...]] directives in the last user message steer the answer.</summary>
public sealed class DirectiveTests(SimulatorFixture sim) : IClassFixture<SimulatorFixture>
{
    private const string Tools = "'tools':[{'name':'get_weather','input_schema':{'type':'object'}},{'name':'get_time','input_schema':{'type':'object'}}]";

    [Fact]
    public async Task Tool_ParallelWithText_BlocksInOrder()
    {
        var m = await OkAsync(sim.Http, Body(User("Go [[sim:text 'Let me look.']] [[sim:tool get_weather {'city':'Paris','nested':{'a':[[1]]}}]] [[sim:tool get_time]]"), Tools));
        var content = m.GetProperty("content");
        Assert.Equal(3, content.GetArrayLength());
        Assert.Equal("Let me look.", content[0].GetProperty("text").GetString());
        Assert.Equal("get_weather", content[1].GetProperty("name").GetString());
        Assert.Equal("Paris", content[1].GetProperty("input").GetProperty("city").GetString());
        Assert.Equal(1, content[1].GetProperty("input").GetProperty("nested").GetProperty("a")[0][0].GetInt32());
        Assert.Equal("{}", content[2].GetProperty("input").GetRawText());
        Assert.Equal("tool_use", m.GetProperty("stop_reason").GetString());
    }

    [Fact]
    public async Task Tool_UnknownTool_AnswersText()
    {
        var m = await OkAsync(sim.Http, Body(User("Hi [[sim:tool nope {}]]"), Tools));
        Assert.Equal("text", m.GetProperty("content")[0].GetProperty("type").GetString());
        Assert.Equal("end_turn", m.GetProperty("stop_reason").GetString());
    }

    [Fact]
    public async Task ToolResults_DefaultAnswer_ListsIds()
    {
        var body = Body("[{'role':'user','content':'Weather?'},{'role':'assistant','content':[{'type':'tool_use','id':'toolu_A','name':'get_weather','input':{}},{'type':'tool_use','id':'toolu_B','name':'get_time','input':{}}]},{'role':'user','content':[{'type':'tool_result','tool_use_id':'toolu_A','content':'sun'},{'type':'tool_result','tool_use_id':'toolu_B','content':'noon'}]}]", Tools);
        var m = await OkAsync(sim.Http, body);
        Assert.Equal("Tool results received: toolu_A, toolu_B", m.GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Theory]
    [InlineData(529, "overloaded_error")]
    [InlineData(500, "api_error")]
    [InlineData(403, "permission_error")]
    [InlineData(413, "request_too_large")]
    public async Task Error_Directive_AnswersThatError(int status, string type)
    {
        var (actual, text, response) = await PostAsync(sim.Http, Body(User($"fail [[sim:error {status} {type}]]")));
        Assert.Equal(status, actual);
        Assert.Equal(type, ErrorType(text));
        Assert.Equal("error", JsonDocument.Parse(text).RootElement.GetProperty("type").GetString());
        Assert.StartsWith("req_", response.Headers.GetValues("request-id").Single());
    }

    [Fact]
    public async Task Error_RateLimit_HasRetryAfter()
    {
        var (status, text, response) = await PostAsync(sim.Http, Body(User("[[sim:error 429 rate_limit_error]]"), "'stream':true"));
        Assert.Equal(429, status);
        Assert.Equal("rate_limit_error", ErrorType(text));
        Assert.Equal("7", response.Headers.GetValues("retry-after").Single());
    }

    [Fact]
    public async Task MaxTokens_Directive_StopReasonMaxTokens()
    {
        var m = await OkAsync(sim.Http, Body(User("Long answer please [[sim:max_tokens]]")));
        Assert.Equal("max_tokens", m.GetProperty("stop_reason").GetString());
    }

    [Fact]
    public async Task MaxTokens_SmallLimit_TruncatesNaturally()
    {
        var m = await OkAsync(sim.Http, Body(User("A question long enough to need more than two tokens"), maxTokens: 2));
        Assert.Equal("max_tokens", m.GetProperty("stop_reason").GetString());
        Assert.Equal(8, m.GetProperty("content")[0].GetProperty("text").GetString()!.Length);
    }

    [Fact]
    public async Task Stop_Directive_ReportsSequence()
    {
        var m = await OkAsync(sim.Http, Body(User("Count [[sim:stop ###]]")));
        Assert.Equal("stop_sequence", m.GetProperty("stop_reason").GetString());
        Assert.Equal("###", m.GetProperty("stop_sequence").GetString());
    }

    [Fact]
    public async Task StopSequences_InRequest_CutTheText()
    {
        var m = await OkAsync(sim.Http, Body(User("alpha beta gamma"), "'stop_sequences':['beta']"));
        Assert.Equal("stop_sequence", m.GetProperty("stop_reason").GetString());
        Assert.Equal("beta", m.GetProperty("stop_sequence").GetString());
        Assert.Equal("Simulated answer to: alpha ", m.GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task Refusal_Directive_StopReasonRefusal()
    {
        var m = await OkAsync(sim.Http, Body(User("[[sim:refusal]]")));
        Assert.Equal("refusal", m.GetProperty("stop_reason").GetString());
    }

    [Fact]
    public async Task Echo_Directive_ReturnsRequestJson()
    {
        var body = Body(User("Echo me [[sim:echo]]"), "'system':'be exact'");
        var m = await OkAsync(sim.Http, body);
        var echoed = JsonDocument.Parse(m.GetProperty("content")[0].GetProperty("text").GetString()!).RootElement;
        Assert.Equal("be exact", echoed.GetProperty("system").GetString());
        Assert.Equal("end_turn", m.GetProperty("stop_reason").GetString());
    }

    [Fact]
    public async Task Delay_Directive_DelaysFirstByte()
    {
        var sw = Stopwatch.StartNew();
        await OkAsync(sim.Http, Body(User("[[sim:delay 300]]")));
        Assert.True(sw.ElapsedMilliseconds >= 280);
    }

    [Fact]
    public async Task Thinking_Directive_IgnoredWithoutThinking()
    {
        var m = await OkAsync(sim.Http, Body(User("Hi [[sim:thinking]]")));
        Assert.Equal("text", m.GetProperty("content")[0].GetProperty("type").GetString());
    }
}
