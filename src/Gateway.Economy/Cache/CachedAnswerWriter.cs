using System.Buffers;
using System.IO.Pipelines;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;
using Gateway.Core.Protocol.OpenAi;
using Gateway.Core.Streaming;
using Gateway.Core.Translation;

namespace Gateway.Economy.Cache;

/// <summary>
/// Replays a <see cref="CachedAnswer"/> as OpenAI Chat Completions: as one <c>chat.completion</c> JSON, or as the SSE stream a live
/// answer would have been (written by the core's <see cref="OpenAiChunkWriter"/>, as the live stream is): the role chunk first, the text in content chunks,
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
    /// <remarks>The chunks are written by the core's <see cref="OpenAiChunkWriter"/>, the live stream's writer: one wire shape.</remarks>
    public static async Task WriteStreamAsync(PipeWriter output, CachedAnswer answer, bool includeUsage, string responseModel, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(answer);
        using (var chunks = new OpenAiChunkWriter(output, includeUsage))
        {
            chunks.Begin(NewId(), responseModel, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
            chunks.WriteRole();
            var text = answer.Content;
            for (var start = 0; start < text.Length;)
            {
                var length = Math.Min(ChunkChars, text.Length - start);
                // Never split a surrogate pair: each delta must be valid UTF-16 (and so valid UTF-8 on the wire).
                if (start + length < text.Length && char.IsHighSurrogate(text[start + length - 1])) length--;
                chunks.WriteContent(text.AsSpan(start, length));
                start += length;
            }
            chunks.WriteFinish(answer.FinishReason);
            // A replay bills nothing: zero usage, zero reasoning tokens.
            if (includeUsage) chunks.WriteUsage(UsageSummary.Zero, reasoningTokens: 0);
            chunks.WriteDone();
        }
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
}
