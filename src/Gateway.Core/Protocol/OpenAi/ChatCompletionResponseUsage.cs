using System.Text.Json.Serialization;

namespace Gateway.Core.Protocol.OpenAi;

/// <summary>OpenAI <c>usage</c>; also the <c>usage</c> of the final stream chunk.</summary>
public sealed class ChatCompletionResponseUsage
{
    /// <summary>Anthropic input + cache creation + cache read tokens.</summary>
    [JsonPropertyName("prompt_tokens")] public int PromptTokens { get; init; }
    [JsonPropertyName("completion_tokens")] public int CompletionTokens { get; init; }
    [JsonPropertyName("total_tokens")] public int TotalTokens { get; init; }
    [JsonPropertyName("prompt_tokens_details")] public ChatCompletionResponsePromptTokensDetails? PromptTokensDetails { get; init; }
    [JsonPropertyName("completion_tokens_details")] public ChatCompletionResponseCompletionTokensDetails? CompletionTokensDetails { get; init; }
}

/// <summary><c>prompt_tokens_details</c>: <c>cached_tokens</c> is the Anthropic cache read.</summary>
public sealed record ChatCompletionResponsePromptTokensDetails([property: JsonPropertyName("cached_tokens")] int CachedTokens);

/// <summary><c>completion_tokens_details</c>: Anthropic does not split thinking from output, so <c>reasoning_tokens</c> is an estimate.</summary>
public sealed record ChatCompletionResponseCompletionTokensDetails([property: JsonPropertyName("reasoning_tokens")] int ReasoningTokens);
