using System.Text.Json.Serialization;

namespace Gateway.Core.Protocol.OpenAi;

/// <summary>One entry of <c>message.tool_calls</c>: always <c>type: function</c>.</summary>
public sealed class ChatCompletionResponseToolCall
{
    /// <summary>The upstream tool_use id, passed unchanged so tool results can refer to it.</summary>
    [JsonPropertyName("id")] public required string Id { get; init; }
    [JsonPropertyName("type")] public string Type { get; init; } = "function";
    [JsonPropertyName("function")] public required ChatCompletionResponseFunctionCall Function { get; init; }
}
