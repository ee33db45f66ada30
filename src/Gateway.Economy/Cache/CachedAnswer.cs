using System.Text.Json;
using System.Text.Json.Serialization;
using Gateway.Core.Protocol.OpenAi;
using Gateway.Core.Streaming;
using Gateway.Core.Translation;

namespace Gateway.Economy.Cache;

/// <summary>
/// A cached answer in the form both replays need (<see cref="CachedAnswerWriter"/>): the text, the finish reason, and what the original
/// request was billed (for logs and savings reports; a replay bills nothing and reports zero usage). Only text answers are cached:
/// finish_reason <c>stop</c> or <c>length</c>, no tool calls, no function call, no thinking (thinking blocks carry signatures the
/// next turn must send back, which a replay could not provide). Stored as JSON (<see cref="CachedAnswerJsonContext"/>).
/// </summary>
public sealed record CachedAnswer
{
    public const int CurrentVersion = 1;

    /// <summary>Value format version; another version reads as a miss.</summary>
    [JsonPropertyName("v")] public int Version { get; init; } = CurrentVersion;
    [JsonPropertyName("content")] public required string Content { get; init; }
    /// <summary><c>stop</c> or <c>length</c>.</summary>
    [JsonPropertyName("finish_reason")] public required string FinishReason { get; init; }
    /// <summary>The upstream model that wrote the answer.</summary>
    [JsonPropertyName("model")] public required string Model { get; init; }
    /// <summary>Unix seconds when the original answer was made.</summary>
    [JsonPropertyName("created")] public long Created { get; init; }
    /// <summary>Usage of the original (billed) request, in OpenAI terms; null when unknown.</summary>
    [JsonPropertyName("original_usage")] public CachedUsage? OriginalUsage { get; init; }

    /// <summary>True for finish reasons whose answer is complete text.</summary>
    public static bool IsCacheableFinish(string? finishReason) => finishReason is "stop" or "length";

    /// <summary>The answer of a non-stream response, or null when it is not a cacheable text answer.</summary>
    public static CachedAnswer? TryFrom(ChatCompletionResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (response.Choices is not [var choice]) return null;
        var m = choice.Message;
        if (m.ToolCalls is { Count: > 0 } || m.FunctionCall is not null || !string.IsNullOrEmpty(m.ReasoningContent) || m.Refusal is not null) return null;
        if (!IsCacheableFinish(choice.FinishReason)) return null;
        var u = response.Usage;
        return new CachedAnswer
        {
            Content = m.Content ?? "",
            FinishReason = choice.FinishReason!,
            Model = response.Model,
            Created = response.Created,
            OriginalUsage = u is null ? null : new CachedUsage(u.PromptTokens, u.CompletionTokens, u.PromptTokensDetails?.CachedTokens ?? 0),
        };
    }

    /// <summary>
    /// The answer of a streamed response, from the stream translator's fold (<see cref="StreamOutcome"/>), or null when it is not a
    /// cacheable text answer: the stream ended in an error or the client left, the text was not kept or was cut at the fold's bound
    /// (1 MiB: a cut text is never stored), it had tool calls, a function call or reasoning, or did not finish with <c>stop</c>/<c>length</c>.
    /// The rules are those of <see cref="TryFrom(ChatCompletionResponse)"/>; the size bound of the entry is <see cref="ResponseCache"/>'s.
    /// </summary>
    public static CachedAnswer? TryFrom(StreamOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        if (outcome.Error is not null || outcome.ClientDisconnected || !outcome.AnswerTextKept || outcome.AnswerTextTruncated) return null;
        return TryCreate(outcome.AnswerText, outcome.FinishReason, outcome.Model, outcome.Usage,
            hadToolCalls: outcome.ToolCalls.Count > 0 || outcome.FunctionCalled, hadReasoning: outcome.ReasoningSent, outcome.Created);
    }

    /// <summary>
    /// An answer folded by the caller (e.g. <see cref="TryFrom(StreamOutcome)"/>), or null when not cacheable:
    /// it had tool calls or thinking, or did not finish with <c>stop</c>/<c>length</c>.
    /// </summary>
    public static CachedAnswer? TryCreate(string? content, string? finishReason, string model, UsageSummary? usage, bool hadToolCalls, bool hadReasoning, long created)
    {
        if (hadToolCalls || hadReasoning || !IsCacheableFinish(finishReason)) return null;
        return new CachedAnswer
        {
            Content = content ?? "",
            FinishReason = finishReason!,
            Model = model,
            Created = created,
            OriginalUsage = usage is null ? null : new CachedUsage(usage.PromptTokens, usage.OutputTokens, usage.CacheReadInputTokens),
        };
    }

    public byte[] ToUtf8Bytes() => JsonSerializer.SerializeToUtf8Bytes(this, CachedAnswerJsonContext.Default.CachedAnswer);

    /// <summary>Reads a stored value; null when it is corrupt or of another format version (treated as a miss).</summary>
    public static CachedAnswer? TryParse(ReadOnlySpan<byte> utf8)
    {
        try
        {
            var a = JsonSerializer.Deserialize(utf8, CachedAnswerJsonContext.Default.CachedAnswer);
            return a is { Version: CurrentVersion } && IsCacheableFinish(a.FinishReason) ? a : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>What the original request was billed, OpenAI style: prompt tokens (cache reads included), completion tokens, cache reads.</summary>
public sealed record CachedUsage(
    [property: JsonPropertyName("prompt_tokens")] int PromptTokens,
    [property: JsonPropertyName("completion_tokens")] int CompletionTokens,
    [property: JsonPropertyName("cached_tokens")] int CachedTokens);

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CachedAnswer))]
internal sealed partial class CachedAnswerJsonContext : JsonSerializerContext;
