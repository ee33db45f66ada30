using System.ClientModel;
using System.Text;
using System.Text.Json;
using Gateway.Host.Tests.Infrastructure;
using OpenAI;
using OpenAI.Chat;

namespace Gateway.Host.Tests.Sdk;

/// <summary>End to end with the official OpenAI .NET SDK (OpenAI 2.15.0) pointed at the gateway's /v1.</summary>
public sealed class OpenAiSdkTests(DefaultGateway fixture) : IClassFixture<DefaultGateway>
{
    private GatewayFixture Gw => fixture.Gateway;

    private ChatClient Client(string model = "claude-sonnet-4-5", string key = GatewayFixture.GatewayKey) =>
        new(model, new ApiKeyCredential(key), new OpenAIClientOptions
        {
            Endpoint = new Uri(Gw.BaseUrl, "v1"),
            NetworkTimeout = Http.Deadline,
            RetryPolicy = new System.ClientModel.Primitives.ClientRetryPolicy(0),
        });

    private static ChatTool WeatherTool => ChatTool.CreateFunctionTool("get_weather", "Weather for a city",
        BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}"""));

    [Fact]
    public async Task Sdk_Text()
    {
        ChatCompletion completion = await Client("gpt-4o").CompleteChatAsync([new UserChatMessage("Hello from the SDK")]);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal(ChatMessageRole.Assistant, completion.Role);
        Assert.Contains("Simulated answer to: Hello from the SDK", completion.Content[0].Text);
        Assert.True(completion.Usage.InputTokenCount > 0 && completion.Usage.OutputTokenCount > 0);
        Assert.Equal(0, completion.Usage.InputTokenDetails?.CachedTokenCount ?? 0);
        Assert.False(string.IsNullOrEmpty(completion.Id));
    }

    [Fact]
    public async Task Sdk_Streaming_WithUsage()
    {
        var text = new StringBuilder();
        ChatFinishReason? finish = null;
        ChatTokenUsage? usage = null;
        var options = new ChatCompletionOptions();
        // The SDK asks for stream_options.include_usage itself when streaming.
        await foreach (var update in Client().CompleteChatStreamingAsync([new UserChatMessage("Stream through the SDK")], options))
        {
            foreach (var part in update.ContentUpdate) text.Append(part.Text);
            finish ??= update.FinishReason;
            usage ??= update.Usage;
        }
        Assert.Contains("Simulated answer to: Stream through the SDK", text.ToString());
        Assert.Equal(ChatFinishReason.Stop, finish);
        Assert.NotNull(usage);
        Assert.True(usage!.InputTokenCount > 0 && usage.OutputTokenCount > 0);
        Assert.Equal(usage.InputTokenCount + usage.OutputTokenCount, usage.TotalTokenCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Sdk_ToolCallRoundTrip(bool stream)
    {
        var client = Client();
        var options = new ChatCompletionOptions { Tools = { WeatherTool } };
        List<ChatMessage> messages = [new UserChatMessage($$"""sdk-roundtrip-{{stream}} Weather in Oslo? [[sim:tool get_weather {"city":"Oslo"}]]""")];

        var (calls, finish, _) = await RunAsync(client, messages, options, stream);
        Assert.Equal(ChatFinishReason.ToolCalls, finish);
        var call = Assert.Single(calls);
        Assert.Equal("get_weather", call.FunctionName);
        Assert.Equal("Oslo", JsonDocument.Parse(call.FunctionArguments).RootElement.GetProperty("city").GetString());

        messages.Add(new AssistantChatMessage(calls));
        messages.Add(new ToolChatMessage(call.Id, "-3 degrees, snow"));
        var (calls2, finish2, text) = await RunAsync(client, messages, options, stream);
        Assert.Empty(calls2);
        Assert.Equal(ChatFinishReason.Stop, finish2);
        Assert.Contains(call.Id, text);

        var upstream = JsonDocument.Parse(Gw.Simulator.Requests.Last(r => r.Body.Contains($"sdk-roundtrip-{stream}", StringComparison.Ordinal)).Body).RootElement;
        var sent = upstream.GetProperty("messages");
        Assert.Equal("tool_use", sent[1].GetProperty("content").EnumerateArray().Last().GetProperty("type").GetString());
        Assert.Equal(sent[1].GetProperty("content").EnumerateArray().Last().GetProperty("id").GetString(),
            sent[2].GetProperty("content")[0].GetProperty("tool_use_id").GetString());
    }

    [Fact]
    public async Task Sdk_ParallelToolCallsStreamed()
    {
        var options = new ChatCompletionOptions { Tools = { WeatherTool } };
        var (calls, finish, _) = await RunAsync(Client(),
            [new UserChatMessage("""Two cities [[sim:tool get_weather {"city":"Oslo"}]] [[sim:tool get_weather {"city":"Lima"}]]""")], options, stream: true);
        Assert.Equal(ChatFinishReason.ToolCalls, finish);
        Assert.Equal(2, calls.Count);
        Assert.NotEqual(calls[0].Id, calls[1].Id);
        Assert.Equal(["Oslo", "Lima"], calls.Select(c => JsonDocument.Parse(c.FunctionArguments).RootElement.GetProperty("city").GetString()));
    }

    [Fact]
    public async Task Sdk_Errors_ThrowWithStatus()
    {
        var bad = await Assert.ThrowsAsync<ClientResultException>(() =>
            Client().CompleteChatAsync([new UserChatMessage("two please")], new ChatCompletionOptions { Temperature = 5f }));
        Assert.Equal(400, bad.Status);

        var overloaded = await Assert.ThrowsAsync<ClientResultException>(() =>
            Client().CompleteChatAsync([new UserChatMessage("busy [[sim:error 529 overloaded_error]]")]));
        Assert.Equal(503, overloaded.Status);

        var wrongKey = await Assert.ThrowsAsync<ClientResultException>(() =>
            Client(key: "gw-sdk-wrong-key").CompleteChatAsync([new UserChatMessage("hi")]));
        Assert.Equal(401, wrongKey.Status);
        Assert.DoesNotContain("gw-sdk-wrong-key", wrongKey.Message);
    }

    [Fact]
    public async Task Sdk_StreamingError_ThrowsWithStatus()
    {
        var error = await Assert.ThrowsAsync<ClientResultException>(async () =>
        {
            await foreach (var _ in Client(key: "gw-sdk-wrong-key").CompleteChatStreamingAsync([new UserChatMessage("hi")])) { }
        });
        Assert.Equal(401, error.Status);
    }

    private static async Task<(List<ChatToolCall> Calls, ChatFinishReason? Finish, string Text)> RunAsync(ChatClient client, List<ChatMessage> messages, ChatCompletionOptions options, bool stream)
    {
        if (!stream)
        {
            ChatCompletion completion = await client.CompleteChatAsync(messages, options);
            return (completion.ToolCalls.ToList(), completion.FinishReason, string.Concat(completion.Content.Select(c => c.Text)));
        }

        var text = new StringBuilder();
        ChatFinishReason? finish = null;
        var ids = new Dictionary<int, string>();
        var names = new Dictionary<int, string>();
        var args = new Dictionary<int, StringBuilder>();
        await foreach (var update in client.CompleteChatStreamingAsync(messages, options))
        {
            foreach (var part in update.ContentUpdate) text.Append(part.Text);
            foreach (var tc in update.ToolCallUpdates)
            {
                if (tc.ToolCallId is { } id) ids[tc.Index] = id;
                if (tc.FunctionName is { } name) names[tc.Index] = name;
                if (!args.TryGetValue(tc.Index, out var sb)) args[tc.Index] = sb = new StringBuilder();
                if (tc.FunctionArgumentsUpdate is { } a) sb.Append(a.ToString());
            }
            finish ??= update.FinishReason;
        }
        var calls = ids.Keys.Order().Select(i => ChatToolCall.CreateFunctionToolCall(ids[i], names[i], BinaryData.FromString(args[i].ToString()))).ToList();
        return (calls, finish, text.ToString());
    }
}
