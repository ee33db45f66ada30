namespace Gateway.Core.Errors;

/// <summary>
/// A failure that must reach the client as an OpenAI-shaped error
/// (<c>{"error":{"message","type","param","code"}}</c>) with a fitting HTTP status.
/// Thrown by parsing and translation for bad client input, and by the upstream client for upstream failures;
/// the host turns it into the response. Never carries secrets in <see cref="Exception.Message"/>.
/// </summary>
public sealed class GatewayException : Exception
{
    public GatewayException(int status, string type, string message, string? param = null, string? code = null, TimeSpan? retryAfter = null, Exception? inner = null)
        : base(message, inner)
    {
        Status = status;
        Type = type;
        Param = param;
        Code = code;
        RetryAfter = retryAfter;
    }

    /// <summary>HTTP status sent to the client.</summary>
    public int Status { get; }

    /// <summary>OpenAI error type, e.g. <c>invalid_request_error</c>, <c>authentication_error</c>, <c>rate_limit_error</c>.</summary>
    public string Type { get; }

    /// <summary>The request parameter at fault, e.g. <c>messages[3].content</c>, when known.</summary>
    public string? Param { get; }

    /// <summary>Machine-readable code, e.g. <c>invalid_json</c>, <c>invalid_api_key</c>.</summary>
    public string? Code { get; }

    /// <summary>Passed on as <c>Retry-After</c> (429 and 503 answers).</summary>
    public TimeSpan? RetryAfter { get; }

    public OpenAiErrorBody ToBody() => new(new OpenAiError(Message, Type, Param, Code));

    /// <summary>400 for a request the client must fix.</summary>
    public static GatewayException BadRequest(string message, string? param = null, string? code = null) =>
        new(400, OpenAiErrorTypes.InvalidRequest, message, param, code);
}
