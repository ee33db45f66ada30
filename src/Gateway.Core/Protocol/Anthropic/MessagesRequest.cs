using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gateway.Core.Protocol.Anthropic;

/// <summary>
/// Anthropic Messages API request body (<c>POST /v1/messages</c>, anthropic-version 2023-06-01).
/// Required: <c>model</c>, <c>max_tokens</c>, <c>messages</c>. Null fields are omitted on the wire
/// (serialize with <see cref="AnthropicRequestJsonContext"/>).
/// </summary>
public sealed class MessagesRequest
{
    [JsonPropertyName("model")] public string Model { get; set; } = "";
    [JsonPropertyName("max_tokens")] public int MaxTokens { get; set; }
    /// <summary>Top-level system prompt as text blocks.</summary>
    [JsonPropertyName("system")] public List<MessagesRequestContentBlock>? System { get; set; }
    [JsonPropertyName("messages")] public List<MessagesRequestMessage> Messages { get; set; } = [];
    [JsonPropertyName("stop_sequences")] public List<string>? StopSequences { get; set; }
    [JsonPropertyName("temperature")] public double? Temperature { get; set; }
    [JsonPropertyName("top_p")] public double? TopP { get; set; }
    [JsonPropertyName("top_k")] public int? TopK { get; set; }
    [JsonPropertyName("stream")] public bool? Stream { get; set; }
    [JsonPropertyName("metadata")] public MessagesRequestMetadata? Metadata { get; set; }
    [JsonPropertyName("tools")] public List<MessagesRequestTool>? Tools { get; set; }
    [JsonPropertyName("tool_choice")] public MessagesRequestToolChoice? ToolChoice { get; set; }
    [JsonPropertyName("thinking")] public MessagesRequestThinking? Thinking { get; set; }
    /// <summary><c>output_config</c>: <c>effort</c> for adaptive-thinking models.</summary>
    [JsonPropertyName("output_config")] public MessagesRequestOutputConfig? OutputConfig { get; set; }
}

/// <summary><c>messages[]</c> entry: role user or assistant, content always as blocks.</summary>
public sealed class MessagesRequestMessage
{
    [JsonPropertyName("role")] public string Role { get; set; } = "user";
    [JsonPropertyName("content")] public List<MessagesRequestContentBlock> Content { get; set; } = [];
}

/// <summary><c>metadata</c>: <c>user_id</c> is an opaque end-user identifier.</summary>
public sealed class MessagesRequestMetadata
{
    [JsonPropertyName("user_id")] public string? UserId { get; set; }
}

/// <summary>Client tool: <c>name</c> matches <c>^[a-zA-Z0-9_-]{1,64}$</c>; <c>input_schema</c> is a JSON Schema object.</summary>
public sealed class MessagesRequestTool
{
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("description")] public string? Description { get; set; }
    [JsonPropertyName("input_schema")] public JsonElement InputSchema { get; set; }
    /// <summary>Prompt-cache breakpoint at the end of this tool definition (null: omitted).</summary>
    [JsonPropertyName("cache_control")] public MessagesRequestCacheControl? CacheControl { get; set; }
}

/// <summary><c>tool_choice</c>: type auto | any | tool | none; <c>name</c> with type tool.</summary>
public sealed class MessagesRequestToolChoice
{
    [JsonPropertyName("type")] public string Type { get; set; } = "auto";
    [JsonPropertyName("name")] public string? Name { get; set; }
    [JsonPropertyName("disable_parallel_tool_use")] public bool? DisableParallelToolUse { get; set; }
}

/// <summary><c>thinking</c>: <c>{type: enabled, budget_tokens}</c>, <c>{type: adaptive}</c> or <c>{type: disabled}</c>.</summary>
public sealed class MessagesRequestThinking
{
    [JsonPropertyName("type")] public string Type { get; set; } = "enabled";
    [JsonPropertyName("budget_tokens")] public int? BudgetTokens { get; set; }
}

/// <summary><c>output_config</c>.</summary>
public sealed class MessagesRequestOutputConfig
{
    /// <summary><c>low | medium | high | max</c>.</summary>
    [JsonPropertyName("effort")] public string? Effort { get; set; }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(MessagesRequest))]
public sealed partial class AnthropicRequestJsonContext : JsonSerializerContext
{
    /// <summary>The context for upstream bodies: text stays UTF-8 (<see cref="Json.MinimalJsonEscaping"/>), not <c>\uXXXX</c>.</summary>
    public static AnthropicRequestJsonContext Wire { get; } = new(new System.Text.Json.JsonSerializerOptions
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = Json.MinimalJsonEscaping.Instance,
    });
}
