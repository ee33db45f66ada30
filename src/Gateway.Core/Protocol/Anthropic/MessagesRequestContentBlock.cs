using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gateway.Core.Protocol.Anthropic;

/// <summary>
/// One request content block, flat: which fields are set depends on <see cref="Type"/>
/// (text, image, tool_use, tool_result, thinking, redacted_thinking). Build with the factory methods.
/// </summary>
public sealed class MessagesRequestContentBlock
{
    [JsonPropertyName("type")] public string Type { get; set; } = "text";
    /// <summary>type text: non-empty, not whitespace-only.</summary>
    [JsonPropertyName("text")] public string? Text { get; set; }
    /// <summary>type image.</summary>
    [JsonPropertyName("source")] public MessagesRequestImageSource? Source { get; set; }
    /// <summary>type tool_use: <c>^[a-zA-Z0-9_-]+$</c>.</summary>
    [JsonPropertyName("id")] public string? Id { get; set; }
    /// <summary>type tool_use.</summary>
    [JsonPropertyName("name")] public string? Name { get; set; }
    /// <summary>type tool_use: a JSON object.</summary>
    [JsonPropertyName("input")] public JsonElement? Input { get; set; }
    /// <summary>type tool_result.</summary>
    [JsonPropertyName("tool_use_id")] public string? ToolUseId { get; set; }
    /// <summary>type tool_result: text and image blocks.</summary>
    [JsonPropertyName("content")] public List<MessagesRequestContentBlock>? Content { get; set; }
    /// <summary>type tool_result.</summary>
    [JsonPropertyName("is_error")] public bool? IsError { get; set; }
    /// <summary>type thinking.</summary>
    [JsonPropertyName("thinking")] public string? Thinking { get; set; }
    /// <summary>type thinking: sent back unchanged.</summary>
    [JsonPropertyName("signature")] public string? Signature { get; set; }
    /// <summary>type redacted_thinking.</summary>
    [JsonPropertyName("data")] public string? Data { get; set; }
    /// <summary>
    /// Prompt-cache breakpoint: the prefix up to and including this block is cached. Not allowed on thinking and
    /// redacted_thinking blocks. Null (the default) is omitted on the wire.
    /// </summary>
    [JsonPropertyName("cache_control")] public MessagesRequestCacheControl? CacheControl { get; set; }

    public static MessagesRequestContentBlock TextBlock(string text) => new() { Type = "text", Text = text };

    public static MessagesRequestContentBlock ToolUse(string id, string name, JsonElement input) =>
        new() { Type = "tool_use", Id = id, Name = name, Input = input };

    public static MessagesRequestContentBlock ToolResult(string toolUseId, List<MessagesRequestContentBlock> content, bool isError = false) =>
        new() { Type = "tool_result", ToolUseId = toolUseId, Content = content, IsError = isError ? true : null };

    public static MessagesRequestContentBlock Image(MessagesRequestImageSource source) => new() { Type = "image", Source = source };
}

/// <summary>Image <c>source</c>: <c>{type: base64, media_type, data}</c> or <c>{type: url, url}</c>.</summary>
public sealed class MessagesRequestImageSource
{
    [JsonPropertyName("type")] public string Type { get; set; } = "base64";
    [JsonPropertyName("media_type")] public string? MediaType { get; set; }
    [JsonPropertyName("data")] public string? Data { get; set; }
    [JsonPropertyName("url")] public string? Url { get; set; }
}

/// <summary><c>cache_control</c>: <c>{type: ephemeral, ttl?: 5m | 1h}</c> (ttl omitted: 5 minutes).</summary>
public sealed class MessagesRequestCacheControl
{
    [JsonPropertyName("type")] public string Type { get; set; } = "ephemeral";
    /// <summary><c>5m</c> or <c>1h</c>; null (omitted) means the default 5 minutes.</summary>
    [JsonPropertyName("ttl")] public string? Ttl { get; set; }

    public static MessagesRequestCacheControl Ephemeral(string? ttl = null) => new() { Ttl = ttl };
}
