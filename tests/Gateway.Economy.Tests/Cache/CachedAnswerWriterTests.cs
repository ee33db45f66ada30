using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Gateway.Economy.Cache;
using Gateway.Core.Streaming;
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

    // Streamed MISS: the answer is built from the stream translator's own fold (StreamOutcome), nothing re-reads the chunks.

    /// <summary>An Anthropic Messages stream: message_start, one text block in <paramref name="pieces"/>, optional extra blocks, the stop.</summary>
    private static string AnthropicStream(IEnumerable<string> pieces, string stopReason = "end_turn", int input = 1000, int output = 300, int cacheRead = 4000,
        string? blocksBefore = null, bool stop = true)
    {
        var sb = new StringBuilder()
            .Append("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_cache1\",\"type\":\"message\",\"role\":\"assistant\",")
            .Append("\"model\":\"claude-sonnet-4-5-20250929\",\"content\":[],\"stop_reason\":null,")
            .Append($"\"usage\":{{\"input_tokens\":{input},\"output_tokens\":1,\"cache_read_input_tokens\":{cacheRead},\"cache_creation_input_tokens\":0}}}}}}\n\n");
        var index = 0;
        if (blocksBefore is not null) { sb.Append(blocksBefore); index = 1; }
        sb.Append($"event: content_block_start\ndata: {{\"type\":\"content_block_start\",\"index\":{index},\"content_block\":{{\"type\":\"text\",\"text\":\"\"}}}}\n\n");
        foreach (var piece in pieces)
            sb.Append($"event: content_block_delta\ndata: {{\"type\":\"content_block_delta\",\"index\":{index},\"delta\":{{\"type\":\"text_delta\",\"text\":\"{JsonEncodedText.Encode(piece).Value}\"}}}}\n\n");
        if (!stop) return sb.ToString();
        sb.Append($"event: content_block_stop\ndata: {{\"type\":\"content_block_stop\",\"index\":{index}}}\n\n")
            .Append($"event: message_delta\ndata: {{\"type\":\"message_delta\",\"delta\":{{\"stop_reason\":\"{stopReason}\",\"stop_sequence\":null}},\"usage\":{{\"output_tokens\":{output}}}}}\n\n")
            .Append("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
        return sb.ToString();
    }

    private const string ThinkingBlock =
        "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\"}}\n\n" +
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"Let me think.\"}}\n\n" +
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"signature_delta\",\"signature\":\"sig\"}}\n\n" +
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n";

    private const string ToolBlock =
        "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"read_file\",\"input\":{}}}\n\n" +
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"path\\\": \\\"a\\\"}\"}}\n\n" +
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n";

    /// <summary>Translates <paramref name="anthropicSse"/> as the host does for a stream; returns what the client got and the fold.</summary>
    private static async Task<(string Output, StreamOutcome Outcome)> TranslateAsync(string anthropicSse, ResponseShaping? shaping = null, bool keepText = true)
    {
        var client = new MemoryStream();
        var writer = PipeWriter.Create(client);
        var translator = new MessagesToChatStreamTranslator(shaping ?? new ResponseShaping("gpt-4o", IncludeUsage: true), new InMemoryThinkingStore(), keepText: keepText);
        var outcome = await translator.TranslateAsync(new MemoryStream(Encoding.UTF8.GetBytes(anthropicSse)), writer, CancellationToken.None);
        await writer.CompleteAsync();
        return (Encoding.UTF8.GetString(client.ToArray()), outcome);
    }

    /// <summary>The replay's content pieces (at most 256 chars, never splitting a surrogate pair).</summary>
    private static List<string> ReplayPieces(string text)
    {
        var pieces = new List<string>();
        for (var start = 0; start < text.Length;)
        {
            var length = Math.Min(CachedAnswerWriter.ChunkChars, text.Length - start);
            if (start + length < text.Length && char.IsHighSurrogate(text[start + length - 1])) length--;
            pieces.Add(text.Substring(start, length));
            start += length;
        }
        return pieces;
    }

    private static string WithoutIdAndCreated(string sse) =>
        Regex.Replace(Regex.Replace(sse, "\"id\":\"chatcmpl-[^\"]*\"", "\"id\":\"ID\""), "\"created\":\\d+", "\"created\":0");

    [Fact]
    public async Task StreamedMiss_FoldedByTheTranslator_IsTheSameAnswer_AndReplaysIt()
    {
        // Uneven pieces: the fold joins what the client was sent, whatever the cuts.
        var (output, outcome) = await TranslateAsync(AnthropicStream([Text[..100], Text[100..255], Text[255..]]));
        var folded = CachedAnswer.TryFrom(outcome);
        Assert.NotNull(folded);
        Assert.Equal(Text, folded.Content);
        Assert.Equal("stop", folded.FinishReason);
        Assert.Equal("gpt-4o", folded.Model); // the model the client was sent, as TryFrom(ChatCompletionResponse)
        Assert.Equal(outcome.Created, folded.Created);
        Assert.True(folded.Created > 0);
        Assert.Equal(new CachedUsage(5000, 300, 4000), folded.OriginalUsage);
        Assert.EndsWith("data: [DONE]\n\n", output);

        var replay = await RunAsync(w => CachedAnswerWriter.WriteStreamAsync(w, folded, includeUsage: true, "gpt-4o", CancellationToken.None));
        var content = string.Concat(DataPayloads(replay)[..^1].Select(p => JsonDocument.Parse(p).RootElement.GetProperty("choices"))
            .Where(c => c.GetArrayLength() == 1 && c[0].GetProperty("delta").TryGetProperty("content", out _))
            .Select(c => c[0].GetProperty("delta").GetProperty("content").GetString()));
        Assert.Equal(Text, content);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Replay_IsWrittenByTheLiveStreamsWriter_SameBytesAsALiveStreamOfTheSamePieces(bool includeUsage)
    {
        // A live answer of zero usage cut as the replay cuts: the two streams differ only in id and created.
        var (live, _) = await TranslateAsync(AnthropicStream(ReplayPieces(Text), input: 0, output: 0, cacheRead: 0),
            new ResponseShaping("gpt-4o", IncludeUsage: includeUsage));
        var replay = await RunAsync(w => CachedAnswerWriter.WriteStreamAsync(w, Answer, includeUsage, "gpt-4o", CancellationToken.None));
        Assert.Equal(WithoutIdAndCreated(live), WithoutIdAndCreated(replay));
    }

    [Theory]
    [InlineData("tools")]
    [InlineData("function")]
    [InlineData("thinking")]
    [InlineData("error")]
    [InlineData("cut")]
    [InlineData("content_filter")]
    [InlineData("text-not-kept")]
    public async Task StreamedMiss_ToolCallsFunctionThinkingErrorCutOrUnfinished_NotCacheable(string kind)
    {
        var pieces = new[] { "Let me ", "look." };
        var (output, outcome) = kind switch
        {
            "tools" => await TranslateAsync(AnthropicStream(pieces, "tool_use", blocksBefore: ToolBlock)),
            "function" => await TranslateAsync(AnthropicStream(pieces, "tool_use", blocksBefore: ToolBlock), new ResponseShaping("gpt-4o", LegacyFunctions: true)),
            "thinking" => await TranslateAsync(AnthropicStream(pieces, blocksBefore: ThinkingBlock)),
            "error" => await TranslateAsync(AnthropicStream(pieces, stop: false) +
                "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n"),
            "cut" => await TranslateAsync(AnthropicStream(pieces, stop: false)),
            "content_filter" => await TranslateAsync(AnthropicStream(pieces, "refusal")),
            _ => await TranslateAsync(AnthropicStream(pieces), keepText: false),
        };
        Assert.EndsWith("data: [DONE]\n\n", output);
        Assert.Null(CachedAnswer.TryFrom(outcome));
        // The same stream with none of that is cacheable.
        Assert.NotNull(CachedAnswer.TryFrom((await TranslateAsync(AnthropicStream(pieces))).Outcome));
    }

    /// <summary>Each rule alone, on an otherwise cacheable fold.</summary>
    [Fact]
    public void StreamedMiss_EachRuleOnTheFold()
    {
        var whole = new StreamOutcome(new UsageSummary(1, 2, 0, 0), "stop", null, false, "msg", 3, "Hi", false, []) { Model = "m", Created = 1 };
        Assert.Equal("Hi", CachedAnswer.TryFrom(whole)?.Content);
        Assert.Equal("length", CachedAnswer.TryFrom(whole with { FinishReason = "length" })?.FinishReason);
        Assert.Null(CachedAnswer.TryFrom(whole with { ClientDisconnected = true }));
        Assert.Null(CachedAnswer.TryFrom(whole with { Error = new Gateway.Core.Errors.GatewayException(502, "server_error", "cut") }));
        Assert.Null(CachedAnswer.TryFrom(whole with { AnswerTextTruncated = true }));
        Assert.Null(CachedAnswer.TryFrom(whole with { AnswerTextKept = false }));
        Assert.Null(CachedAnswer.TryFrom(whole with { ToolCalls = ["f"] }));
        Assert.Null(CachedAnswer.TryFrom(whole with { FunctionCalled = true }));
        Assert.Null(CachedAnswer.TryFrom(whole with { ReasoningSent = true }));
        Assert.Null(CachedAnswer.TryFrom(whole with { FinishReason = null }));
        Assert.Null(CachedAnswer.TryFrom(whole with { FinishReason = "tool_calls" }));
    }

    [Fact]
    public async Task StreamedMiss_OverTheFoldBound_NotCacheable_ButTheClientGetsEverything()
    {
        var piece = new string('x', 4000);
        var count = 1024 * 1024 / piece.Length + 2; // just over 1 MiB of text
        var (output, outcome) = await TranslateAsync(AnthropicStream(Enumerable.Repeat(piece, count)));
        Assert.Null(outcome.Error);
        Assert.Equal("stop", outcome.FinishReason);
        Assert.True(outcome.AnswerTextTruncated);
        Assert.Null(CachedAnswer.TryFrom(outcome));
        Assert.EndsWith("data: [DONE]\n\n", output);
        Assert.Equal(count, Regex.Count(output, "\"content\":\"x{4000}\""));
    }
}
