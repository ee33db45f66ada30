using System.Text;
using Gateway.Core.Translation;

namespace Gateway.Core.Tests.ResponseTranslation;

public sealed class AnthropicErrorMapperTests
{
    private static byte[] Body(string type, string message) =>
        Encoding.UTF8.GetBytes($$$"""{"type":"error","error":{"type":"{{{type}}}","message":"{{{message}}}"},"request_id":"req_011CSHoEeqs5C35K2UUqR7Fy"}""");

    [Theory]
    [InlineData(400, "invalid_request_error", 400, "invalid_request_error", null)]
    [InlineData(401, "authentication_error", 401, "authentication_error", "upstream_auth")]
    [InlineData(403, "permission_error", 403, "permission_error", null)]
    [InlineData(404, "not_found_error", 404, "not_found_error", null)]
    [InlineData(413, "request_too_large", 413, "invalid_request_error", "request_too_large")]
    [InlineData(429, "rate_limit_error", 429, "rate_limit_error", "rate_limit_exceeded")]
    [InlineData(500, "api_error", 500, "server_error", null)]
    [InlineData(529, "overloaded_error", 503, "overloaded_error", "overloaded")]
    [InlineData(504, "timeout_error", 504, "timeout_error", "upstream_timeout")]
    [InlineData(502, "api_error", 502, "server_error", "upstream_error")]
    [InlineData(503, "api_error", 502, "server_error", "upstream_error")]
    [InlineData(402, "billing_error", 502, "server_error", "upstream_error")]
    public void FromUpstream_Status_MapsToOpenAiError(int status, string anthropicType, int expectedStatus, string expectedType, string? expectedCode)
    {
        var error = AnthropicErrorMapper.FromUpstream(status, Body(anthropicType, "Something went wrong"), null);
        Assert.Equal(expectedStatus, error.Status);
        Assert.Equal(expectedType, error.Type);
        Assert.Equal(expectedCode, error.Code);
        Assert.Contains("Upstream Anthropic API", error.Message);
        Assert.Contains("Something went wrong", error.Message);
        Assert.Equal(expectedType, error.ToBody().Error.Type);
    }

    [Theory]
    [InlineData("30", 30)]
    [InlineData("0.5", 0.5)]
    public void FromUpstream_429_PassesRetryAfterSeconds(string header, double seconds)
    {
        var error = AnthropicErrorMapper.FromUpstream(429, Body("rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit"), header);
        Assert.Equal(TimeSpan.FromSeconds(seconds), error.RetryAfter);
    }

    [Fact]
    public void FromUpstream_RetryAfterHttpDate_IsParsed()
    {
        var at = DateTimeOffset.UtcNow.AddMinutes(2).ToString("r");
        var error = AnthropicErrorMapper.FromUpstream(529, Body("overloaded_error", "Overloaded"), at);
        Assert.InRange(error.RetryAfter!.Value, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(121));
    }

    [Theory]
    [InlineData("<html><body>502 Bad Gateway</body></html>")]
    [InlineData("")]
    [InlineData("{\"unexpected\":true}")]
    [InlineData("{\"error\":\"not an object\"}")]
    public void FromUpstream_UnparseableBody_StillClearMessage(string body)
    {
        var error = AnthropicErrorMapper.FromUpstream(502, Encoding.UTF8.GetBytes(body), null);
        Assert.Equal(502, error.Status);
        Assert.StartsWith("Upstream Anthropic API returned 502", error.Message);
        if (body.StartsWith('<')) Assert.Contains("502 Bad Gateway", error.Message);
    }

    [Theory]
    [InlineData("overloaded_error", 503, "overloaded_error")]
    [InlineData("api_error", 500, "server_error")]
    [InlineData("rate_limit_error", 429, "rate_limit_error")]
    [InlineData("invalid_request_error", 400, "invalid_request_error")]
    [InlineData("something_new", 502, "server_error")]
    public void FromStreamError_ErrorType_MapsStatus(string type, int status, string openAiType)
    {
        var error = AnthropicErrorMapper.FromStreamError(Encoding.UTF8.GetBytes($$$"""{"type": "error", "error": {"type": "{{{type}}}", "message": "Boom"}}"""));
        Assert.Equal(status, error.Status);
        Assert.Equal(openAiType, error.Type);
        Assert.Contains("Boom", error.Message);
        Assert.Contains("Upstream Anthropic API stream", error.Message);
    }

    [Fact]
    public void FromStreamError_Garbage_StillAnError()
    {
        var error = AnthropicErrorMapper.FromStreamError("not json"u8);
        Assert.Equal(502, error.Status);
        Assert.Contains("not json", error.Message);
    }
}
