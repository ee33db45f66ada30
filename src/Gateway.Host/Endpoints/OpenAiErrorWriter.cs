using System.Globalization;
using System.Text.Json;
using Gateway.Core.Errors;

namespace Gateway.Host.Endpoints;

/// <summary>Writes a <see cref="GatewayException"/> as OpenAI's error JSON with its status (and Retry-After when known).</summary>
public static class OpenAiErrorWriter
{
    public static async Task WriteAsync(HttpContext http, GatewayException error)
    {
        if (http.Response.HasStarted) return; // a started stream reports errors in-band instead
        http.Response.StatusCode = error.Status;
        http.Response.ContentType = "application/json";
        if (error.RetryAfter is { } retry)
            http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retry.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        await JsonSerializer.SerializeAsync(http.Response.Body, error.ToBody(), ErrorJsonContext.Default.OpenAiErrorBody, http.RequestAborted);
    }

    public static Task WriteAsync(HttpContext http, int status, string type, string message, string? param = null, string? code = null) =>
        WriteAsync(http, new GatewayException(status, type, message, param, code));
}
