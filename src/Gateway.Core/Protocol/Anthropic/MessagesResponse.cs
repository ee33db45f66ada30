using System.Text.Json.Serialization;

namespace Gateway.Core.Protocol.Anthropic;

/// <summary>
/// Anthropic Messages API response (<c>POST /v1/messages</c>, non-streaming, anthropic-version 2023-06-01): the <c>Message</c> object.
/// Response side only; the request side has its own types. Unknown fields are ignored so new API fields never break parsing.
/// </summary>
public sealed class MessagesResponse
{
    /// <summary><c>id</c> (required), e.g. <c>msg_013Zva2CMHLNnXjNJJKqJ2EF</c>.</summary>
    [JsonPropertyName("id")] public string Id { get; set; } = "";

    /// <summary><c>type</c>: always <c>message</c>.</summary>
    [JsonPropertyName("type")] public string? Type { get; set; }

    /// <summary><c>role</c>: always <c>assistant</c>.</summary>
    [JsonPropertyName("role")] public string? Role { get; set; }

    /// <summary><c>model</c>: the model that answered.</summary>
    [JsonPropertyName("model")] public string? Model { get; set; }

    /// <summary><c>content</c> (required): text, tool_use, thinking, redacted_thinking and other block types.</summary>
    [JsonPropertyName("content")] public List<MessagesResponseContentBlock> Content { get; set; } = [];

    /// <summary><c>stop_reason</c>: end_turn, max_tokens, stop_sequence, tool_use, pause_turn, refusal, model_context_window_exceeded.</summary>
    [JsonPropertyName("stop_reason")] public string? StopReason { get; set; }

    /// <summary><c>stop_sequence</c>: the custom stop sequence that was hit, if any.</summary>
    [JsonPropertyName("stop_sequence")] public string? StopSequence { get; set; }

    /// <summary><c>usage</c> (required): billed token counts.</summary>
    [JsonPropertyName("usage")] public MessagesResponseUsage? Usage { get; set; }
}

/// <summary>Source-generated (de)serialization for the Anthropic response-side types.</summary>
[JsonSerializable(typeof(MessagesResponse))]
public sealed partial class AnthropicResponseJsonContext : JsonSerializerContext;
