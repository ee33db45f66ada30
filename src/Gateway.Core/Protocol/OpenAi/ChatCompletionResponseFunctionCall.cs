using System.Text.Json.Serialization;

namespace Gateway.Core.Protocol.OpenAi;

/// <summary><c>{name, arguments}</c>: the function of a tool call, or the legacy <c>message.function_call</c>.</summary>
public sealed class ChatCompletionResponseFunctionCall
{
    /// <summary>The client's tool name (mapped back from the upstream name).</summary>
    [JsonPropertyName("name")] public required string Name { get; init; }
    /// <summary>The tool input as a JSON string.</summary>
    [JsonPropertyName("arguments")] public required string Arguments { get; init; }
}
