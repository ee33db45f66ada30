using System.Text.Json.Serialization;

namespace Gateway.Core.Protocol.OpenAi;

/// <summary>The assistant message of a choice.</summary>
public sealed class ChatCompletionResponseMessage
{
    [JsonPropertyName("role")] public string Role { get; init; } = "assistant";

    /// <summary>Text blocks joined; null when the answer is only tool calls.</summary>
    [JsonPropertyName("content"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string? Content { get; init; }

    /// <summary>Always null: Anthropic refusals surface as <c>finish_reason: content_filter</c>.</summary>
    [JsonPropertyName("refusal"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string? Refusal { get; init; }

    /// <summary>Omitted when there are none (legacy-functions and json-mode answers never have them).</summary>
    [JsonPropertyName("tool_calls")] public List<ChatCompletionResponseToolCall>? ToolCalls { get; init; }

    /// <summary>Legacy <c>functions</c> answer: the first tool call only.</summary>
    [JsonPropertyName("function_call")] public ChatCompletionResponseFunctionCall? FunctionCall { get; init; }

    /// <summary>Thinking text (not an OpenAI field; the de-facto name used by DeepSeek, vLLM and LiteLLM). Never mixed into content.</summary>
    [JsonPropertyName("reasoning_content")] public string? ReasoningContent { get; init; }
}
