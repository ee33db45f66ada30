namespace Gateway.Simulator;

/// <summary>
/// An error answered in Anthropic's shape: <c>{"type":"error","error":{"type":..,"message":..},"request_id":..}</c>.
/// Thrown by validation; caught once by <see cref="MessagesEndpoint"/>.
/// </summary>
internal sealed class ApiErrorException(int status, string errorType, string message) : Exception(message)
{
    public int Status { get; } = status;
    public string ErrorType { get; } = errorType;
    public int? RetryAfterSeconds { get; init; }

    public static ApiErrorException Invalid(string message) => new(400, "invalid_request_error", message);

    /// <summary>The error type Anthropic uses for a status (https://docs.claude.com/en/api/errors).</summary>
    public static string TypeForStatus(int status) => status switch
    {
        400 => "invalid_request_error",
        401 => "authentication_error",
        402 => "billing_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        504 => "timeout_error",
        529 => "overloaded_error",
        _ => "api_error",
    };

    /// <summary>The status Anthropic uses for an error type.</summary>
    public static int StatusForType(string type) => type switch
    {
        "invalid_request_error" => 400,
        "authentication_error" => 401,
        "billing_error" => 402,
        "permission_error" => 403,
        "not_found_error" => 404,
        "request_too_large" => 413,
        "rate_limit_error" => 429,
        "timeout_error" => 504,
        "overloaded_error" => 529,
        _ => 500,
    };

    public static string DefaultMessage(string type) => type switch
    {
        "overloaded_error" => "Overloaded",
        "rate_limit_error" => "Number of request tokens has exceeded your per-minute rate limit (simulated)",
        "api_error" => "Internal server error",
        "authentication_error" => "invalid x-api-key",
        "permission_error" => "Your API key does not have permission to use the specified resource.",
        "not_found_error" => "Not found",
        "request_too_large" => "Request exceeds the maximum allowed number of bytes.",
        "timeout_error" => "Request timed out",
        "billing_error" => "Your credit balance is too low to access the Anthropic API.",
        _ => "Simulated error",
    };
}
