using System.Text.Json.Serialization;
using Gateway.Core.Translation;

namespace Gateway.State.Thinking;

/// <summary>
/// The Redis value of the thinking before a tool call: <c>{"model","blocks":[{"type","thinking","signature","data"}]}</c>.
/// A wire shape of its own, so the core's records can change without changing what other replicas read.
/// </summary>
internal sealed record StoredThinkingValue(
    [property: JsonPropertyName("model")] string? Model,
    [property: JsonPropertyName("blocks")] IReadOnlyList<StoredThinkingBlockValue>? Blocks)
{
    public static StoredThinkingValue From(StoredThinking t) =>
        new(t.Model, t.Blocks.Select(b => new StoredThinkingBlockValue(b.Type, b.Thinking, b.Signature, b.Data)).ToArray());

    /// <summary>Null when the value is not one this version wrote (no model, no blocks, a block without a type).</summary>
    public StoredThinking? ToStoredThinking()
    {
        if (string.IsNullOrEmpty(Model) || Blocks is not { Count: > 0 } || Blocks.Any(b => b is null || string.IsNullOrEmpty(b.Type))) return null;
        return new StoredThinking(Model, Blocks.Select(b => new StoredThinkingBlock(b.Type!, b.Thinking, b.Signature, b.Data)).ToArray());
    }
}

internal sealed record StoredThinkingBlockValue(
    [property: JsonPropertyName("type")] string? Type,
    [property: JsonPropertyName("thinking")] string? Thinking,
    [property: JsonPropertyName("signature")] string? Signature,
    [property: JsonPropertyName("data")] string? Data);

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(StoredThinkingValue))]
internal sealed partial class ThinkingJsonContext : JsonSerializerContext;
