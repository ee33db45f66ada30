using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gateway.Core.Protocol.Anthropic;

/// <summary>
/// One entry of <c>Message.content</c>, flat: which fields are set depends on <see cref="Type"/>.
/// Flat on purpose so block types the gateway does not know (server tool results, citations…) still parse and are skipped.
/// </summary>
public sealed class MessagesResponseContentBlock
{
    /// <summary><c>type</c>: text, tool_use, thinking, redacted_thinking, or a type we ignore.</summary>
    [JsonPropertyName("type")] public string Type { get; set; } = "";

    /// <summary><c>text</c> (type text).</summary>
    [JsonPropertyName("text")] public string? Text { get; set; }

    /// <summary><c>id</c> (type tool_use), e.g. <c>toolu_01A09q90qw90lq917835lq9</c>.</summary>
    [JsonPropertyName("id")] public string? Id { get; set; }

    /// <summary><c>name</c> (type tool_use): the upstream tool name.</summary>
    [JsonPropertyName("name")] public string? Name { get; set; }

    /// <summary><c>input</c> (type tool_use): always a JSON object.</summary>
    [JsonPropertyName("input")] public JsonElement? Input { get; set; }

    /// <summary><c>thinking</c> (type thinking).</summary>
    [JsonPropertyName("thinking")] public string? Thinking { get; set; }

    /// <summary><c>signature</c> (type thinking): must be sent back unchanged.</summary>
    [JsonPropertyName("signature")] public string? Signature { get; set; }

    /// <summary><c>data</c> (type redacted_thinking): encrypted thinking, sent back unchanged.</summary>
    [JsonPropertyName("data")] public string? Data { get; set; }
}
