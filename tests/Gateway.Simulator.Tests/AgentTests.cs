using System.Text.Json;
using static Gateway.Simulator.Tests.Sim;

namespace Gateway.Simulator.Tests;

/// <summary>Agent mode derives list, read, answer steps from the history alone.</summary>
public sealed class AgentTests(SimulatorFixture sim) : IClassFixture<SimulatorFixture>
{
    // Continue CLI's tool shapes: List takes dirpath, Read takes filepath.
    private const string Tools = "'tools':[{'name':'List','input_schema':{'type':'object','properties':{'dirpath':{'type':'string'},'recursive':{'type':'boolean'}},'required':['dirpath']}},{'name':'Read','input_schema':{'type':'object','properties':{'filepath':{'type':'string'}},'required':['filepath']}},{'name':'Bash','input_schema':{'type':'object','properties':{'command':{'type':'string'}},'required':['command']}}]";

    [Fact]
    public async Task Agent_Steps_ListThenReadThenAnswer()
    {
        const string ask = "{'role':'user','content':'[[sim:agent]] What does this project do?'}";
        var step1 = await OkAsync(sim.Http, Body($"[{ask}]", Tools));
        var list = step1.GetProperty("content")[0];
        Assert.Equal("List", list.GetProperty("name").GetString());
        Assert.Equal(".", list.GetProperty("input").GetProperty("dirpath").GetString());
        Assert.Equal("tool_use", step1.GetProperty("stop_reason").GetString());

        var history = $"[{ask},{{'role':'assistant','content':[{Q(list)}]}},{{'role':'user','content':[{{'type':'tool_result','tool_use_id':'{list.GetProperty("id").GetString()}','content':'src/\\nnotes.txt\\nREADME.md'}}]}}";
        var step2 = await OkAsync(sim.Http, Body(history + "]", Tools));
        var read = step2.GetProperty("content")[0];
        Assert.Equal("Read", read.GetProperty("name").GetString());
        Assert.Equal("README.md", read.GetProperty("input").GetProperty("filepath").GetString());

        history += $",{{'role':'assistant','content':[{Q(read)}]}},{{'role':'user','content':[{{'type':'tool_result','tool_use_id':'{read.GetProperty("id").GetString()}','content':[{{'type':'text','text':'# Claude Gateway\\nMore text'}}]}}]}}";
        var step3 = await OkAsync(sim.Http, Body(history + "]", Tools));
        Assert.Equal("end_turn", step3.GetProperty("stop_reason").GetString());
        Assert.Contains("# Claude Gateway", step3.GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task Agent_ScriptOption_ReadsFileNamedByUser()
    {
        await using var server = await SimulatorServer.StartAsync(new SimulatorOptions { Script = "agent" });
        using var http = Client(server);
        var readOnly = "'tools':[{'name':'read_file','input_schema':{'type':'object','properties':{'path':{'type':'string'}}}}]";
        var step = await OkAsync(http, Body(User("Summarize docs/guide.md please"), readOnly));
        var call = step.GetProperty("content")[0];
        Assert.Equal("read_file", call.GetProperty("name").GetString());
        Assert.Equal("docs/guide.md", call.GetProperty("input").GetProperty("path").GetString());
    }

    [Fact]
    public async Task Agent_ReadResultWithToolHeader_QuotesFileNotHeader()
    {
        // Continue's Read tool prefixes the file with "Content of README.md:"; the answer must quote the file's own first line.
        const string ask = "{'role':'user','content':'[[sim:agent]] What does this project do?'}";
        var history = $"[{ask},{{'role':'assistant','content':[{{'type':'tool_use','id':'toolu_l','name':'List','input':{{'dirpath':'.'}}}}]}},{{'role':'user','content':[{{'type':'tool_result','tool_use_id':'toolu_l','content':'README.md'}}]}}"
            + $",{{'role':'assistant','content':[{{'type':'tool_use','id':'toolu_r','name':'Read','input':{{'filepath':'/tmp/p/README.md'}}}}]}},{{'role':'user','content':[{{'type':'tool_result','tool_use_id':'toolu_r','content':'Content of README.md:\\n# Marker 42\\nrest'}}]}}]";
        var step = await OkAsync(sim.Http, Body(history, Tools));
        Assert.Equal("The first line of /tmp/p/README.md is: # Marker 42", step.GetProperty("content")[0].GetProperty("text").GetString());
    }

    private static string Q(JsonElement block) => block.GetRawText().Replace('"', '\'');
}
