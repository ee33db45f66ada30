using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gateway.Core.Protocol.OpenAi;

/// <summary>
/// OpenAI Chat Completions request body (<c>POST /v1/chat/completions</c>), tolerant: unknown fields are ignored,
/// polymorphic fields (<c>content</c>, <c>tool_choice</c>, <c>stop</c>, <c>response_format</c>, <c>function_call</c>)
/// stay <see cref="JsonElement"/> and are interpreted by the translator. Only <c>messages</c> is required.
/// Parse with <see cref="ChatCompletionRequestParser"/>.
/// </summary>
public sealed class ChatCompletionRequest
{
    [JsonPropertyName("model")] public string? Model { get; set; }
    [JsonPropertyName("messages")] public List<ChatCompletionRequestMessage>? Messages { get; set; }
    [JsonPropertyName("tools")] public List<ChatCompletionRequestTool>? Tools { get; set; }
    /// <summary><c>"none" | "auto" | "required" | {"type":"function","function":{"name"}}</c>.</summary>
    [JsonPropertyName("tool_choice")] public JsonElement? ToolChoice { get; set; }
    [JsonPropertyName("parallel_tool_calls")] public bool? ParallelToolCalls { get; set; }
    /// <summary>Deprecated <c>functions</c> (pre-tools function calling).</summary>
    [JsonPropertyName("functions")] public List<ChatCompletionRequestFunction>? Functions { get; set; }
    /// <summary>Deprecated <c>function_call</c>: <c>"none" | "auto" | {"name"}</c>.</summary>
    [JsonPropertyName("function_call")] public JsonElement? FunctionCall { get; set; }
    [JsonPropertyName("temperature")] public double? Temperature { get; set; }
    [JsonPropertyName("top_p")] public double? TopP { get; set; }
    /// <summary>Not OpenAI; some clients send it and Anthropic has it.</summary>
    [JsonPropertyName("top_k")] public int? TopK { get; set; }
    [JsonPropertyName("n")] public int? N { get; set; }
    [JsonPropertyName("max_tokens")] public int? MaxTokens { get; set; }
    [JsonPropertyName("max_completion_tokens")] public int? MaxCompletionTokens { get; set; }
    /// <summary>String or array of up to 4 strings.</summary>
    [JsonPropertyName("stop")] public JsonElement? Stop { get; set; }
    [JsonPropertyName("stream")] public bool? Stream { get; set; }
    [JsonPropertyName("stream_options")] public ChatCompletionRequestStreamOptions? StreamOptions { get; set; }
    [JsonPropertyName("user")] public string? User { get; set; }
    /// <summary><c>{"type":"text"|"json_object"|"json_schema", "json_schema":{name, schema, strict, description}}</c>.</summary>
    [JsonPropertyName("response_format")] public JsonElement? ResponseFormat { get; set; }
    /// <summary><c>none | minimal | low | medium | high | xhigh</c>.</summary>
    [JsonPropertyName("reasoning_effort")] public string? ReasoningEffort { get; set; }
    [JsonPropertyName("presence_penalty")] public double? PresencePenalty { get; set; }
    [JsonPropertyName("frequency_penalty")] public double? FrequencyPenalty { get; set; }
    [JsonPropertyName("logit_bias")] public JsonElement? LogitBias { get; set; }
    [JsonPropertyName("logprobs")] public bool? Logprobs { get; set; }
    [JsonPropertyName("top_logprobs")] public int? TopLogprobs { get; set; }
    [JsonPropertyName("seed")] public long? Seed { get; set; }
}

/// <summary><c>stream_options</c>.</summary>
public sealed class ChatCompletionRequestStreamOptions
{
    [JsonPropertyName("include_usage")] public bool? IncludeUsage { get; set; }
}

/// <summary>One entry of <c>messages</c>. <c>role</c>: system, developer, user, assistant, tool, function.</summary>
public sealed class ChatCompletionRequestMessage
{
    [JsonPropertyName("role")] public string? Role { get; set; }
    /// <summary>String, array of content parts, or null.</summary>
    [JsonPropertyName("content")] public JsonElement? Content { get; set; }
    [JsonPropertyName("name")] public string? Name { get; set; }
    [JsonPropertyName("tool_calls")] public List<ChatCompletionRequestToolCall>? ToolCalls { get; set; }
    [JsonPropertyName("tool_call_id")] public string? ToolCallId { get; set; }
    /// <summary>Deprecated assistant <c>function_call</c>.</summary>
    [JsonPropertyName("function_call")] public ChatCompletionRequestFunctionCall? FunctionCall { get; set; }
    [JsonPropertyName("refusal")] public string? Refusal { get; set; }
}

/// <summary>Assistant <c>tool_calls[]</c> entry.</summary>
public sealed class ChatCompletionRequestToolCall
{
    [JsonPropertyName("id")] public string? Id { get; set; }
    [JsonPropertyName("type")] public string? Type { get; set; }
    [JsonPropertyName("function")] public ChatCompletionRequestFunctionCall? Function { get; set; }
}

/// <summary><c>{"name", "arguments"}</c>; arguments is a JSON string per spec, tolerated as an object.</summary>
public sealed class ChatCompletionRequestFunctionCall
{
    [JsonPropertyName("name")] public string? Name { get; set; }
    [JsonPropertyName("arguments")] public JsonElement? Arguments { get; set; }
}

/// <summary><c>tools[]</c> entry: <c>{"type":"function","function":{...}}</c>.</summary>
public sealed class ChatCompletionRequestTool
{
    [JsonPropertyName("type")] public string? Type { get; set; }
    [JsonPropertyName("function")] public ChatCompletionRequestFunction? Function { get; set; }
}

/// <summary>Function definition (in <c>tools[].function</c> and legacy <c>functions[]</c>).</summary>
public sealed class ChatCompletionRequestFunction
{
    [JsonPropertyName("name")] public string? Name { get; set; }
    [JsonPropertyName("description")] public string? Description { get; set; }
    /// <summary>JSON Schema object.</summary>
    [JsonPropertyName("parameters")] public JsonElement? Parameters { get; set; }
    [JsonPropertyName("strict")] public bool? Strict { get; set; }
}

[JsonSourceGenerationOptions(NumberHandling = JsonNumberHandling.Strict, AllowTrailingCommas = false)]
[JsonSerializable(typeof(ChatCompletionRequest))]
public sealed partial class ChatCompletionRequestJsonContext : JsonSerializerContext;
