using System.Text.Json.Nodes;
using Gateway.Host.Tests.Infrastructure;

namespace Gateway.Host.Tests.Integration;

/// <summary>
/// The model calls a tool, the client runs it and sends assistant tool_calls + a tool message back, the model answers;
/// the simulator's request log shows that the upstream got tool_use and tool_result correctly paired.
/// </summary>
public sealed class ToolRoundTripTests(DefaultGateway fixture) : IClassFixture<DefaultGateway>
{
    private GatewayFixture Gw => fixture.Gateway;

    [Theory]
    [InlineData(false, "claude-sonnet-4-5")]
    [InlineData(true, "claude-sonnet-4-5")]
    [InlineData(false, "gpt-4o")] // the default model thinks by default: thinking must survive the round trip
    [InlineData(true, "gpt-4o")]
    public async Task ToolRoundTrip_ModelCallsToolThenAnswers(bool stream, string model)
    {
        var marker = $"roundtrip-{stream}-{model}";
        var tools = new JsonArray(Http.Tool("get_weather", "city"));
        var userText = $$"""{{marker}} What is the weather in Paris? [[sim:tool get_weather {"city":"Paris"}]]""";

        // 1. The model calls the tool.
        var first = Http.Chat(userText, stream, model, new JsonObject { ["tools"] = tools });
        var (assistant, finish, _) = await AssistantTurn.CompleteAsync(Gw, first, stream);
        Assert.Equal("tool_calls", finish);
        var call = assistant["tool_calls"]!.AsArray().Single()!;
        var callId = call["id"]!.GetValue<string>();
        Assert.Equal("get_weather", call["function"]!["name"]!.GetValue<string>());
        Assert.Equal("Paris", JsonNode.Parse(call["function"]!["arguments"]!.GetValue<string>())!["city"]!.GetValue<string>());

        // 2. The client sends the result back; the model answers.
        var second = Http.Chat(userText, stream, model, new JsonObject { ["tools"] = tools.DeepClone() });
        var messages = second["messages"]!.AsArray();
        messages.Add(assistant);
        messages.Add(new JsonObject { ["role"] = "tool", ["tool_call_id"] = callId, ["content"] = "18 degrees and sunny" });
        var (answer, finish2, _) = await AssistantTurn.CompleteAsync(Gw, second, stream);
        Assert.Equal("stop", finish2);
        Assert.Contains("Tool results received", answer["content"]!.GetValue<string>());
        Assert.Contains(callId, answer["content"]!.GetValue<string>());

        // 3. Upstream: the assistant turn holds the tool_use, the next user turn opens with its tool_result.
        var upstream = Gw.Simulator.Requests.Where(r => r.Body.Contains(marker, StringComparison.Ordinal)).ToList();
        Assert.Equal(2, upstream.Count);
        Assert.All(upstream, r => Assert.Equal(200, r.Status));
        var sent = JsonNode.Parse(upstream[1].Body)!["messages"]!.AsArray();
        Assert.Equal(3, sent.Count);
        Assert.Equal("assistant", sent[1]!["role"]!.GetValue<string>());
        var toolUse = sent[1]!["content"]!.AsArray().Single(b => b!["type"]!.GetValue<string>() == "tool_use")!;
        Assert.Equal("get_weather", toolUse["name"]!.GetValue<string>());
        Assert.Equal("Paris", toolUse["input"]!["city"]!.GetValue<string>());
        Assert.Equal("user", sent[2]!["role"]!.GetValue<string>());
        var toolResult = sent[2]!["content"]!.AsArray()[0]!;
        Assert.Equal("tool_result", toolResult["type"]!.GetValue<string>());
        Assert.Equal(toolUse["id"]!.GetValue<string>(), toolResult["tool_use_id"]!.GetValue<string>());
        Assert.Contains("18 degrees and sunny", toolResult.ToJsonString());
    }
}
