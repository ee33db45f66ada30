using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using Gateway.Economy.Cache;
using Gateway.Core.Translation;

namespace Gateway.Economy.Tests.Cache;

public sealed class CachedAnswerWriterTests
{
    // Longer than one delta, with an emoji (a surrogate pair) straddling the first 256-char boundary, quotes, newlines and non-ASCII.
    private static readonly string Text = new string('a', 255) + "😀 \"quoted\"\nline two — ünïcode " + new string('z', 600);

    private static readonly CachedAnswer Answer = new()
    {
        Content = Text,
        FinishReason = "stop",
        Model = "claude-sonnet-4-5-20250929",
        OriginalUsage = new CachedUsage(5000, 300, 4000),
    };

    private static async Task<string> RunAsync(Func<PipeWriter, Task> write)
    {
        var pipe = new Pipe();
        await write(pipe.Writer);
        await pipe.Writer.CompleteAsync();
        var result = await pipe.Reader.ReadAtLeastAsync(int.MaxValue);
        var text = Encoding.UTF8.GetString(result.Buffer);
        pipe.Reader.AdvanceTo(result.Buffer.End);
        return text;
    }

    /// <summary>Parses an SSE body the way OpenAI clients do: events split on blank lines, <c>data:</c> payloads.</summary>
    private static List<string> DataPayloads(string sse)
    {
        Assert.EndsWith("\n\n", sse);
        var events = sse.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        return events.Select(e =>
        {
            Assert.StartsWith("data: ", e);
            Assert.DoesNotContain('\n', e);
            return e["data: ".Length..];
        }).ToList();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task WriteStream_IsAValidOpenAiStream(bool includeUsage)
    {
        var sse = await RunAsync(w => CachedAnswerWriter.WriteStreamAsync(w, Answer, includeUsage, "gpt-4o", CancellationToken.None));
        var payloads = DataPayloads(sse);
        Assert.Equal("[DONE]", payloads[^1]);
        var chunks = payloads[..^1].Select(p => JsonDocument.Parse(p).RootElement).ToList();

        var ids = chunks.Select(c => c.GetProperty("id").GetString()).Distinct().ToList();
        Assert.Single(ids);
        Assert.StartsWith("chatcmpl-", ids[0]);
        Assert.All(chunks, c =>
        {
            Assert.Equal("chat.completion.chunk", c.GetProperty("object").GetString());
            Assert.Equal("gpt-4o", c.GetProperty("model").GetString());
            Assert.True(c.GetProperty("created").GetInt64() > 0);
        });

        var choiceChunks = chunks.Where(c => c.GetProperty("choices").GetArrayLength() == 1).ToList();
        // Role first (with empty content, as OpenAI), then content deltas, then one finish chunk.
        var first = choiceChunks[0].GetProperty("choices")[0];
        Assert.Equal("assistant", first.GetProperty("delta").GetProperty("role").GetString());
        Assert.Equal(JsonValueKind.Null, first.GetProperty("finish_reason").ValueKind);
        var text = new StringBuilder();
        foreach (var c in choiceChunks.Skip(1))
            if (c.GetProperty("choices")[0].GetProperty("delta").TryGetProperty("content", out var content)) text.Append(content.GetString());
        Assert.Equal(Text, text.ToString());
        Assert.True(choiceChunks.Count > 3, "the text is replayed in several deltas");

        var finishes = choiceChunks.Select(c => c.GetProperty("choices")[0].GetProperty("finish_reason"))
            .Where(f => f.ValueKind != JsonValueKind.Null).Select(f => f.GetString()).ToList();
        Assert.Equal(["stop"], finishes);
        Assert.NotEqual(JsonValueKind.Null, choiceChunks[^1].GetProperty("choices")[0].GetProperty("finish_reason").ValueKind);

        var usageChunks = chunks.Where(c => c.GetProperty("choices").GetArrayLength() == 0).ToList();
        if (includeUsage)
        {
            // The usage chunk comes last, after the finish chunk; every other chunk says "usage": null.
            Assert.Single(usageChunks);
            Assert.Equal(chunks[^1].GetRawText(), usageChunks[0].GetRawText());
            var usage = usageChunks[0].GetProperty("usage");
            Assert.Equal(0, usage.GetProperty("prompt_tokens").GetInt32());
            Assert.Equal(0, usage.GetProperty("completion_tokens").GetInt32());
            Assert.Equal(0, usage.GetProperty("total_tokens").GetInt32());
            Assert.Equal(0, usage.GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32());
            Assert.All(choiceChunks, c => Assert.Equal(JsonValueKind.Null, c.GetProperty("usage").ValueKind));
        }
        else
        {
            Assert.Empty(usageChunks);
            Assert.All(chunks, c => Assert.False(c.TryGetProperty("usage", out _)));
        }
    }

    [Fact]
    public async Task WriteJson_IsAChatCompletion_WithZeroUsage()
    {
        var body = await RunAsync(w => CachedAnswerWriter.WriteJsonAsync(w, Answer, "gpt-4o", CancellationToken.None));
        var root = JsonDocument.Parse(body).RootElement;
        Assert.Equal("chat.completion", root.GetProperty("object").GetString());
        Assert.StartsWith("chatcmpl-", root.GetProperty("id").GetString());
        Assert.Equal("gpt-4o", root.GetProperty("model").GetString());
        var choice = root.GetProperty("choices")[0];
        Assert.Equal(0, choice.GetProperty("index").GetInt32());
        Assert.Equal("assistant", choice.GetProperty("message").GetProperty("role").GetString());
        Assert.Equal(Text, choice.GetProperty("message").GetProperty("content").GetString());
        Assert.False(choice.GetProperty("message").TryGetProperty("tool_calls", out _));
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
        Assert.Equal(0, root.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(0, root.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal(0, root.GetProperty("usage").GetProperty("total_tokens").GetInt32());
    }

    [Fact]
    public async Task WriteStream_EmptyAnswer_RoleFinishDone()
    {
        var sse = await RunAsync(w => CachedAnswerWriter.WriteStreamAsync(w, Answer with { Content = "", FinishReason = "length" }, false, "m", CancellationToken.None));
        var payloads = DataPayloads(sse);
        Assert.Equal(3, payloads.Count);
        Assert.Equal("length", JsonDocument.Parse(payloads[1]).RootElement.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal("[DONE]", payloads[2]);
    }

    [Fact]
    public async Task Recorder_FoldsAReplayedStream_BackIntoTheSameAnswer()
    {
        var pipe = new Pipe();
        var recorder = new StreamAnswerRecorder(pipe.Writer);
        await CachedAnswerWriter.WriteStreamAsync(recorder, Answer, includeUsage: true, "gpt-4o", CancellationToken.None);
        var usage = new UsageSummary(1000, 300, 0, 4000);
        var folded = recorder.TryBuildAnswer("claude-sonnet-4-5-20250929", usage);
        Assert.NotNull(folded);
        Assert.Equal(Text, folded.Content);
        Assert.Equal("stop", folded.FinishReason);
        Assert.Equal(new CachedUsage(5000, 300, 4000), folded.OriginalUsage);
        // The client got the bytes unchanged.
        await pipe.Writer.CompleteAsync();
        var read = await pipe.Reader.ReadAtLeastAsync(int.MaxValue);
        Assert.Contains("data: [DONE]", Encoding.UTF8.GetString(read.Buffer));
    }

    [Theory]
    [InlineData("""{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"toolu_1","type":"function","function":{"name":"f","arguments":""}}]},"finish_reason":null}]}""", "tool_calls")]
    [InlineData("""{"choices":[{"index":0,"delta":{"reasoning_content":"thinking"},"finish_reason":null}]}""", "stop")]
    [InlineData("""{"error":{"message":"overloaded","type":"server_error","param":null,"code":"overloaded"}}""", "stop")]
    public async Task Recorder_ToolCallsThinkingOrError_NotCacheable(string chunk, string finish)
    {
        var recorder = new StreamAnswerRecorder(new Pipe().Writer);
        var sse = "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n" +
                  "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Let me look.\"},\"finish_reason\":null}]}\n\n" +
                  $"data: {chunk}\n\n" +
                  $"data: {{\"choices\":[{{\"index\":0,\"delta\":{{}},\"finish_reason\":\"{finish}\"}}]}}\n\ndata: [DONE]\n\n";
        await recorder.WriteAsync(Encoding.UTF8.GetBytes(sse));
        Assert.Null(recorder.TryBuildAnswer("m", null));
    }

    [Fact]
    public async Task Recorder_StreamWithoutFinish_NotCacheable()
    {
        var recorder = new StreamAnswerRecorder(new Pipe().Writer);
        await recorder.WriteAsync("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hal\"},\"finish_reason\":null}]}\n\n"u8.ToArray());
        Assert.Null(recorder.TryBuildAnswer("m", null));
    }

    [Fact]
    public async Task Recorder_OverBound_NotCacheable_ButPassesEverythingThrough()
    {
        var pipe = new Pipe();
        var recorder = new StreamAnswerRecorder(pipe.Writer, maxCaptureBytes: 100);
        await CachedAnswerWriter.WriteStreamAsync(recorder, Answer, false, "m", CancellationToken.None);
        Assert.True(recorder.Overflowed);
        Assert.Null(recorder.TryBuildAnswer("m", null));
        await pipe.Writer.CompleteAsync();
        var read = await pipe.Reader.ReadAtLeastAsync(int.MaxValue);
        Assert.EndsWith("data: [DONE]\n\n", Encoding.UTF8.GetString(read.Buffer));
    }
}
