using System.Text.Json.Serialization;

namespace Gateway.Core.Protocol.Anthropic;

/// <summary>
/// Anthropic <c>usage</c>. <c>input_tokens</c> excludes cached tokens: the prompt is input + cache creation + cache read.
/// Cache fields are absent or null when prompt caching was not involved.
/// </summary>
public sealed class MessagesResponseUsage
{
    [JsonPropertyName("input_tokens")] public int? InputTokens { get; set; }
    [JsonPropertyName("output_tokens")] public int? OutputTokens { get; set; }
    [JsonPropertyName("cache_creation_input_tokens")] public int? CacheCreationInputTokens { get; set; }
    [JsonPropertyName("cache_read_input_tokens")] public int? CacheReadInputTokens { get; set; }
}
