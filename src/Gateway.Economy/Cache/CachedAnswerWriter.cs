using System.Buffers;
using System.IO.Pipelines;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;
using Gateway.Core.Protocol.OpenAi;

namespace Gateway.Economy.Cache;

/// <summary>
/// Replays a <see cref="CachedAnswer"/> as OpenAI Chat Completions: as one <c>chat.completion</c> JSON, or as the SSE stream a live
/// answer would have been (the same chunk shape as the core's stream translator): the role chunk first, the text in content chunks,
/// the finish chunk, the usage chunk when the client asked for <c>stream_options.include_usage</c>, then <c>data: [DONE]</c>.
/// <para>
/// Usage on a replay is zero (prompt, completion, cached and total tokens): issue 5 requires the usage returned to the client to state
/// the tokens actually billed upstream, and a cache hit bills nothing. Clients and dashboards summing usage therefore stay honest; the
/// original request's usage stays in <see cref="CachedAnswer.OriginalUsage"/> for logs and savings reports, and <c>X-Cache: HIT</c>
/// tells the client why the usage is zero. Every replay gets a fresh <c>chatcmpl-</c> id and the current time as <c>created</c>.
/// </para>
/// </summary>
public static class CachedAnswerWriter
{
    /// <summary>Longest content delta of a replayed stream (UTF-16 chars), so clients render progressively as with a live answer.</summary>
    public const int ChunkChars = 256;

    private static readonly JsonWriterOptions Options = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    /// <summary>Writes and flushes the SSE replay; the caller sets the response headers (<c>text/event-stream</c>, <c>X-Cache</c>).</summary>
    public static async Task WriteStreamAsync(PipeWriter output, CachedAnswer answer, bool includeUsage, string responseModel, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(answer);
        var id = NewId();
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        using (var json = new Utf8JsonWriter(output, Options))
        {
            WriteChunk(output, json, id, created, responseModel, includeUsage, static j =>
            {
                j.WriteString("role"u8, "assistant"u8);
                j.WriteString("content"u8, ""u8);
            }, finishReason: null);
            var text = answer.Content;
            for (var start = 0; start < text.Length;)
            {
                var length = Math.Min(ChunkChars, text.Length - start);
                // Never split a surrogate pair: each delta must be valid UTF-16 (and so valid UTF-8 on the wire).
                if (start + length < text.Length && char.IsHighSurrogate(text[start + length - 1])) length--;
                var piece = text.AsMemory(start, length);
                WriteChunk(output, json, id, created, responseModel, includeUsage, j => j.WriteString("content"u8, piece.Span), finishReason: null);
                start += length;
            }
            WriteChunk(output, json, id, created, responseModel, includeUsage, static _ => { }, answer.FinishReason);
            if (includeUsage) WriteUsageChunk(output, json, id, created, responseModel);
        }
        output.Write("data: [DONE]\n\n"u8);
        await output.FlushAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Writes and flushes the <c>chat.completion</c> JSON of <see cref="ToResponse"/>.</summary>
    public static async Task WriteJsonAsync(PipeWriter output, CachedAnswer answer, string responseModel, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(output);
        using (var json = new Utf8JsonWriter(output, Options))
            JsonSerializer.Serialize(json, ToResponse(answer, responseModel), OpenAiResponseJsonContext.Default.ChatCompletionResponse);
        await output.FlushAsync(ct).ConfigureAwait(false);
    }

    /// <summary>The non-stream answer: one choice with the text and finish reason, zero usage (nothing was billed upstream).</summary>
    public static ChatCompletionResponse ToResponse(CachedAnswer answer, string responseModel)
    {
        ArgumentNullException.ThrowIfNull(answer);
        return new ChatCompletionResponse
        {
            Id = NewId(),
            Created = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            Model = responseModel,
            Choices =
            [
                new ChatCompletionResponseChoice
                {
                    Index = 0,
                    Message = new ChatCompletionResponseMessage { Content = answer.Content },
                    FinishReason = answer.FinishReason,
                },
            ],
            Usage = new ChatCompletionResponseUsage
            {
                PromptTokensDetails = new ChatCompletionResponsePromptTokensDetails(0),
                CompletionTokensDetails = new ChatCompletionResponseCompletionTokensDetails(0),
            },
        };
    }

    private static string NewId() => "chatcmpl-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));

    private static void WriteHeader(Utf8JsonWriter j, string id, long created, string model)
    {
        j.WriteStartObject();
        j.WriteString("id"u8, id);
        j.WriteString("object"u8, "chat.completion.chunk"u8);
        j.WriteNumber("created"u8, created);
        j.WriteString("model"u8, model);
        j.WriteNull("system_fingerprint"u8);
    }

    private static void WriteChunk(PipeWriter output, Utf8JsonWriter j, string id, long created, string model, bool includeUsage,
        Action<Utf8JsonWriter> delta, string? finishReason)
    {
        output.Write("data: "u8);
        j.Reset(output);
        WriteHeader(j, id, created, model);
        j.WriteStartArray("choices"u8);
        j.WriteStartObject();
        j.WriteNumber("index"u8, 0);
        j.WriteStartObject("delta"u8);
        delta(j);
        j.WriteEndObject();
        j.WriteNull("logprobs"u8);
        if (finishReason is null) j.WriteNull("finish_reason"u8);
        else j.WriteString("finish_reason"u8, finishReason);
        j.WriteEndObject();
        j.WriteEndArray();
        // As OpenAI: "usage": null on every chunk but the last when include_usage was asked for.
        if (includeUsage) j.WriteNull("usage"u8);
        j.WriteEndObject();
        j.Flush();
        output.Write("\n\n"u8);
    }

    private static void WriteUsageChunk(PipeWriter output, Utf8JsonWriter j, string id, long created, string model)
    {
        output.Write("data: "u8);
        j.Reset(output);
        WriteHeader(j, id, created, model);
        j.WriteStartArray("choices"u8);
        j.WriteEndArray();
        j.WriteStartObject("usage"u8);
        j.WriteNumber("prompt_tokens"u8, 0);
        j.WriteNumber("completion_tokens"u8, 0);
        j.WriteNumber("total_tokens"u8, 0);
        j.WriteStartObject("prompt_tokens_details"u8);
        j.WriteNumber("cached_tokens"u8, 0);
        j.WriteEndObject();
        j.WriteStartObject("completion_tokens_details"u8);
        j.WriteNumber("reasoning_tokens"u8, 0);
        j.WriteEndObject();
        j.WriteEndObject();
        j.WriteEndObject();
        j.Flush();
        output.Write("\n\n"u8);
    }
}
