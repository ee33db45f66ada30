using System.Globalization;
using System.Text;
using System.Text.Json;
using Gateway.Core.Errors;

namespace Gateway.Core.Translation;

/// <summary>
/// Anthropic errors -> OpenAI-shaped <see cref="GatewayException"/>s, so OpenAI SDKs raise the matching error class.
/// Anthropic error body (https://docs.anthropic.com/en/api/errors): <c>{"type":"error","error":{"type":"…","message":"…"},"request_id":"…"}</c>;
/// the same <c>error</c> object arrives as the data of an <c>event: error</c> in a stream.
/// </summary>
public static class AnthropicErrorMapper
{
    // | upstream status / Anthropic type  | client status | OpenAI type            | code                |
    // |-----------------------------------|---------------|------------------------|---------------------|
    // | 400 invalid_request_error         | 400           | invalid_request_error  | (none)              |
    // | 401 authentication_error          | 401           | authentication_error   | upstream_auth       |
    // | 403 permission_error              | 403           | permission_error       | (none)              |
    // | 404 not_found_error               | 404           | not_found_error        | (none)              |
    // | 413 request_too_large             | 413           | invalid_request_error  | request_too_large   |
    // | 429 rate_limit_error              | 429           | rate_limit_error       | rate_limit_exceeded |
    // | 500 api_error                     | 500           | server_error           | (none)              |
    // | 529 overloaded_error              | 503           | overloaded_error       | overloaded          |
    // | 504 timeout_error                 | 504           | timeout_error          | upstream_timeout    |
    // | other 5xx / other status          | 502           | server_error           | upstream_error      |

    private const int MaxMessageChars = 1000;

    /// <summary>An upstream non-2xx answer. <paramref name="retryAfter"/> is the upstream <c>Retry-After</c> header value, passed on.</summary>
    public static GatewayException FromUpstream(int status, ReadOnlySpan<byte> body, string? retryAfter)
    {
        var (type, message) = ParseError(body);
        message ??= body.IsEmpty ? "(empty body)" : "unreadable error body: " + Truncate(Encoding.UTF8.GetString(body[..Math.Min(body.Length, 300)]));
        return Map(status, type, $"Upstream Anthropic API returned {status}{(type is null ? "" : " " + type)}: {message}", ParseRetryAfter(retryAfter));
    }

    /// <summary>The data of an <c>event: error</c> received mid-stream (HTTP status was already 200); the status follows the error type.</summary>
    public static GatewayException FromStreamError(ReadOnlySpan<byte> errorEventData)
    {
        var (type, message) = ParseError(errorEventData);
        var status = type switch
        {
            "invalid_request_error" => 400,
            "authentication_error" => 401,
            "permission_error" => 403,
            "not_found_error" => 404,
            "request_too_large" => 413,
            "rate_limit_error" => 429,
            "api_error" => 500,
            "timeout_error" => 504,
            "overloaded_error" => 529,
            _ => 502,
        };
        message ??= errorEventData.IsEmpty ? "(no details)" : "unreadable error event: " + Truncate(Encoding.UTF8.GetString(errorEventData[..Math.Min(errorEventData.Length, 300)]));
        return Map(status, type, $"Upstream Anthropic API stream failed{(type is null ? "" : " with " + type)}: {message}", null);
    }

    private static GatewayException Map(int status, string? upstreamType, string message, TimeSpan? retryAfter) => status switch
    {
        400 => new(400, OpenAiErrorTypes.InvalidRequest, message),
        401 => new(401, OpenAiErrorTypes.Authentication, message, code: "upstream_auth"),
        403 => new(403, OpenAiErrorTypes.Permission, message),
        404 => new(404, OpenAiErrorTypes.NotFound, message),
        413 => new(413, OpenAiErrorTypes.InvalidRequest, message, code: "request_too_large"),
        429 => new(429, OpenAiErrorTypes.RateLimit, message, code: "rate_limit_exceeded", retryAfter: retryAfter),
        500 => new(500, OpenAiErrorTypes.Server, message),
        529 => new(503, OpenAiErrorTypes.Overloaded, message, code: "overloaded", retryAfter: retryAfter),
        503 when upstreamType == "overloaded_error" => new(503, OpenAiErrorTypes.Overloaded, message, code: "overloaded", retryAfter: retryAfter),
        504 => new(504, OpenAiErrorTypes.Timeout, message, code: "upstream_timeout"),
        _ => new(502, OpenAiErrorTypes.Server, message, code: "upstream_error", retryAfter: retryAfter),
    };

    /// <summary>Reads <c>error.type</c> and <c>error.message</c>; (null, null) when the body is not an Anthropic error.</summary>
    private static (string? Type, string? Message) ParseError(ReadOnlySpan<byte> body)
    {
        string? type = null, message = null;
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return (null, null);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (!reader.ValueTextEquals("error"u8)) { reader.Read(); reader.Skip(); continue; }
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject) { reader.Skip(); continue; }
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var isType = reader.ValueTextEquals("type"u8);
                    var isMessage = reader.ValueTextEquals("message"u8);
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String && isType) type = reader.GetString();
                    else if (reader.TokenType == JsonTokenType.String && isMessage) message = reader.GetString();
                    else reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            // Proxies in front of the upstream answer with HTML or plain text; the caller reports the raw body instead.
        }
        return (type, message is null ? null : Truncate(message));
    }

    private static string Truncate(string s) => s.Length <= MaxMessageChars ? s : s[..MaxMessageChars] + "…";

    /// <summary><c>Retry-After</c> is delta-seconds or an HTTP-date (RFC 9110 §10.2.3).</summary>
    private static TimeSpan? ParseRetryAfter(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0)
            return TimeSpan.FromSeconds(seconds);
        if (DateTimeOffset.TryParseExact(value.Trim(), "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            var delta = at - DateTimeOffset.UtcNow;
            return delta > TimeSpan.Zero ? delta : TimeSpan.Zero;
        }
        return null;
    }
}
