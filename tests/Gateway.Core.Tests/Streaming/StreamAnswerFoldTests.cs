using System.Text;
using System.Text.Json;
using Gateway.Core.Streaming;
using Gateway.Core.Translation;

namespace Gateway.Core.Tests.Streaming;

/// <summary>The answer the stream translator folds for response-stage rules: exactly the content the client got, and the tool names; bounded.</summary>
public sealed class StreamAnswerFoldTests
{
    /// <summary>The <c>content</c> deltas the client received, joined.</summary>
    private static string ClientContent(string output) => string.Concat(StreamRun.Chunks(output)
        .Where(c => c.TryGetProperty("choices", out var choices) && choices.GetArrayLength() > 0)
        .Select(c => c.GetProperty("choices")[0].GetProperty("delta"))
        .Where(d => d.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String)
        .Select(d => d.GetProperty("content").GetString()));

    [Fact]
    public async Task TextThenTool_OutcomeHasTextAndToolName()
    {
        var (output, outcome) = await StreamRun.RunFixtureAsync("tool-use.sse", new(StreamCases.Model));
        Assert.Equal("Okay, let's check the weather for San Francisco, CA:", outcome.AnswerText);
        Assert.Equal(ClientContent(output), outcome.AnswerText);
        Assert.Equal(["get_weather"], outcome.ToolCalls);
        Assert.False(outcome.AnswerTextTruncated);
    }

    [Fact]
    public async Task ParallelTools_NamesAreTheClientsInOrder()
    {
        var shaping = new ResponseShaping(StreamCases.Model, ToolNamesToClient: new Dictionary<string, string> { ["web_search_v2"] = "web.search" });
        var (_, outcome) = await StreamRun.RunFixtureAsync("parallel-tools.sse", shaping);
        Assert.Equal(["get_weather", "get_time", "web.search"], outcome.ToolCalls);
    }

    [Fact]
    public async Task LegacyFunctions_OnlyTheFunctionSentIsNamed()
    {
        var (_, outcome) = await StreamRun.RunFixtureAsync("parallel-tools.sse", new(StreamCases.Model, LegacyFunctions: true));
        Assert.Equal(["get_weather"], outcome.ToolCalls);
    }

    [Fact]
    public async Task Unicode_TextIsDecodedWhole()
    {
        var (output, outcome) = await StreamRun.RunFixtureAsync("text.sse", new(StreamCases.Model));
        Assert.Equal("Héllo 日本語 🎉! \"quoted\"\n\ttab \\ back é", outcome.AnswerText);
        Assert.Equal(ClientContent(output), outcome.AnswerText);
        Assert.Empty(outcome.ToolCalls);
    }

    [Fact]
    public async Task JsonMode_TextIsTheToolJsonTheClientGot()
    {
        var (output, outcome) = await StreamRun.RunFixtureAsync("tool-use.sse", new(StreamCases.Model, JsonModeToolName: "get_weather"));
        Assert.Equal(ClientContent(output), outcome.AnswerText);
        Assert.Equal("San Francisco, CA", JsonDocument.Parse(outcome.AnswerText).RootElement.GetProperty("location").GetString());
        Assert.Empty(outcome.ToolCalls);
    }

    [Fact]
    public async Task OverTheCap_TextIsCutAtACharacterAndFlagged_ClientStillGetsEverything()
    {
        // 3-byte characters: the cap (2^20) is not a multiple of 3, so the cut must step back to a character boundary.
        const string piece = "日本語の文章";
        var deltas = StreamAnswerFold.MaxTextBytes / Encoding.UTF8.GetByteCount(piece) + 50;
        var body = new StringBuilder()
            .Append("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_big\",\"usage\":{\"input_tokens\":1,\"output_tokens\":1}}}\n\n")
            .Append("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n");
        for (var i = 0; i < deltas; i++)
            body.Append("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"").Append(piece).Append("\"}}\n\n");
        body.Append("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n")
            .Append("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");

        var (output, outcome) = await StreamRun.RunAsync(new MemoryStream(Encoding.UTF8.GetBytes(body.ToString())), new(StreamCases.Model));

        Assert.Null(outcome.Error);
        Assert.True(outcome.AnswerTextTruncated);
        var kept = Encoding.UTF8.GetByteCount(outcome.AnswerText);
        Assert.InRange(kept, StreamAnswerFold.MaxTextBytes - 2, StreamAnswerFold.MaxTextBytes);
        Assert.DoesNotContain('\uFFFD', outcome.AnswerText);
        var full = ClientContent(output);
        Assert.Equal(deltas * piece.Length, full.Length);
        Assert.StartsWith(outcome.AnswerText, full, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Outcome_CarriesWhatTheResponseCacheNeeds_ModelCreatedFinishUsage()
    {
        var (output, outcome) = await StreamRun.RunFixtureAsync("text.sse", new(StreamCases.Model));
        Assert.True(outcome.AnswerTextKept);
        Assert.Equal("stop", outcome.FinishReason);
        Assert.Equal(StreamCases.Model, outcome.Model);
        var first = StreamRun.Chunks(output)[0];
        Assert.Equal(first.GetProperty("model").GetString(), outcome.Model);
        Assert.Equal(first.GetProperty("created").GetInt64(), outcome.Created);
        Assert.Equal(FixedTimeProvider.Default.GetUtcNow().ToUnixTimeSeconds(), outcome.Created);
        Assert.False(string.IsNullOrEmpty(outcome.UpstreamModel));
        Assert.True(outcome.Usage.OutputTokens > 0);
        Assert.False(outcome.ReasoningSent);
        Assert.False(outcome.FunctionCalled);
    }

    [Fact]
    public async Task Thinking_OutcomeSaysReasoningWasSent()
    {
        var (output, outcome) = await StreamRun.RunFixtureAsync("thinking-then-tool.sse", new(StreamCases.Model));
        Assert.Contains("\"reasoning_content\"", output);
        Assert.True(outcome.ReasoningSent);
        Assert.NotEmpty(outcome.ToolCalls);
        Assert.False(outcome.FunctionCalled);
    }

    [Fact]
    public async Task LegacyFunctions_OutcomeSaysAFunctionWasCalled()
    {
        var (_, outcome) = await StreamRun.RunFixtureAsync("tool-use.sse", new(StreamCases.Model, LegacyFunctions: true));
        Assert.True(outcome.FunctionCalled);
        Assert.Equal(["get_weather"], outcome.ToolCalls);
        Assert.Equal("function_call", outcome.FinishReason);
    }

    [Theory]
    [InlineData("text.sse")]
    [InlineData("tool-use.sse")]
    [InlineData("thinking-then-tool.sse")]
    public async Task KeepTextOff_NoText_SameClientBytes_RestOfTheFoldKept(string fixture)
    {
        var kept = await StreamRun.RunFixtureAsync(fixture, new(StreamCases.Model));
        var client = new MemoryStream();
        var writer = System.IO.Pipelines.PipeWriter.Create(client);
        var translator = new MessagesToChatStreamTranslator(new(StreamCases.Model), new InMemoryThinkingStore(), FixedTimeProvider.Default, keepText: false);
        var outcome = await translator.TranslateAsync(new MemoryStream(Fixtures.Bytes("streams/" + fixture)), writer, CancellationToken.None);
        await writer.CompleteAsync();

        Assert.Equal(kept.Output, Encoding.UTF8.GetString(client.ToArray()));
        Assert.False(outcome.AnswerTextKept);
        Assert.Equal("", outcome.AnswerText);
        Assert.False(outcome.AnswerTextTruncated);
        if (fixture != "thinking-then-tool.sse") Assert.NotEqual("", kept.Outcome.AnswerText); // that one answers with a tool only
        Assert.Equal(kept.Outcome.ToolCalls, outcome.ToolCalls);
        Assert.Equal(kept.Outcome.FinishReason, outcome.FinishReason);
        Assert.Equal(kept.Outcome.Usage, outcome.Usage);
        Assert.Equal(kept.Outcome.ReasoningSent, outcome.ReasoningSent);
        Assert.Equal(kept.Outcome.Created, outcome.Created);
    }

    [Fact]
    public void Fold_KeepTextOff_AppendsNothing()
    {
        using var fold = new StreamAnswerFold(keepText: false);
        fold.AppendText(Enumerable.Repeat((byte)'a', StreamAnswerFold.MaxTextBytes + 10).ToArray());
        Assert.False(fold.TextKept);
        Assert.False(fold.TextTruncated);
        Assert.Equal("", fold.Text());
    }

    [Fact]
    public void Fold_AtTheCapExactly_IsNotTruncated_OneMoreByteIs()
    {
        using var fold = new StreamAnswerFold();
        fold.AppendText(Enumerable.Repeat((byte)'a', StreamAnswerFold.MaxTextBytes - 1).ToArray());
        fold.AppendText("b"u8);
        Assert.False(fold.TextTruncated);
        Assert.Equal(StreamAnswerFold.MaxTextBytes, fold.Text().Length);
        fold.AppendText("c"u8);
        Assert.True(fold.TextTruncated);
        Assert.EndsWith("ab", fold.Text());
    }
}
