using System.Text.Json.Serialization;

namespace Gateway.Core.Errors;

/// <summary>OpenAI error envelope: <c>{"error":{...}}</c>. Every non-2xx answer on /v1 has this shape.</summary>
public sealed record OpenAiErrorBody([property: JsonPropertyName("error")] OpenAiError Error);

/// <summary>OpenAI error object. <c>param</c> and <c>code</c> are always present, null when unknown, as OpenAI sends them.</summary>
public sealed record OpenAiError(
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("param"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Param,
    [property: JsonPropertyName("code"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Code);

/// <summary>The OpenAI error types the gateway emits.</summary>
public static class OpenAiErrorTypes
{
    public const string InvalidRequest = "invalid_request_error";
    public const string Authentication = "authentication_error";
    public const string Permission = "permission_error";
    public const string NotFound = "not_found_error";
    public const string RateLimit = "rate_limit_error";
    public const string Server = "server_error";
    public const string Overloaded = "overloaded_error";
    public const string Timeout = "timeout_error";
}

[JsonSerializable(typeof(OpenAiErrorBody))]
public sealed partial class ErrorJsonContext : JsonSerializerContext;
