using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gateway.Core.Protocol.OpenAi;

/// <summary>One entry of <c>choices</c>. The gateway always answers with exactly one (index 0): Anthropic has no <c>n</c>.</summary>
public sealed class ChatCompletionResponseChoice
{
    [JsonPropertyName("index")] public int Index { get; init; }
    [JsonPropertyName("message")] public required ChatCompletionResponseMessage Message { get; init; }
    /// <summary>Always null: Anthropic returns no log probabilities.</summary>
    [JsonPropertyName("logprobs"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] public JsonElement? Logprobs { get; init; }
    /// <summary>stop, length, tool_calls, content_filter or function_call.</summary>
    [JsonPropertyName("finish_reason"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string? FinishReason { get; init; }
}
