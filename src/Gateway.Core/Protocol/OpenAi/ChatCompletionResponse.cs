using System.Text.Json.Serialization;

namespace Gateway.Core.Protocol.OpenAi;

/// <summary>
/// OpenAI Chat Completions response (<c>object: chat.completion</c>), the non-streaming answer of <c>POST /v1/chat/completions</c>.
/// Fields OpenAI always sends (even as null) are always written: <c>system_fingerprint</c>, and in nested types <c>content</c>, <c>refusal</c>, <c>logprobs</c>.
/// </summary>
public sealed class ChatCompletionResponse
{
    [JsonPropertyName("id")] public required string Id { get; init; }
    [JsonPropertyName("object")] public string Object { get; init; } = "chat.completion";
    /// <summary>Unix time in seconds.</summary>
    [JsonPropertyName("created")] public long Created { get; init; }
    [JsonPropertyName("model")] public required string Model { get; init; }
    [JsonPropertyName("choices")] public required List<ChatCompletionResponseChoice> Choices { get; init; }
    [JsonPropertyName("usage")] public ChatCompletionResponseUsage? Usage { get; init; }
    [JsonPropertyName("system_fingerprint"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string? SystemFingerprint { get; init; }
}

/// <summary>Source-generated serialization for the OpenAI response-side types; nulls are omitted unless a property says otherwise.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ChatCompletionResponse))]
public sealed partial class OpenAiResponseJsonContext : JsonSerializerContext;
