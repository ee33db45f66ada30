using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gateway.Host.Tests.Infrastructure;

/// <summary>Small helpers for raw HTTP tests: send with a deadline, read JSON, assert OpenAI's error shape.</summary>
public static class Http
{
    /// <summary>A hang fails instead of blocking the run; generous, so a cold first request on a loaded 2-core CI machine never does.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    public static async Task<HttpResponseMessage> SendAsync(this GatewayFixture gw, HttpRequestMessage request, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? Deadline);
        return await gw.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
    }

    public static Task<HttpResponseMessage> PostAsync(this GatewayFixture gw, string path, string json, string? key = GatewayFixture.GatewayKey) =>
        gw.SendAsync(gw.Post(path, json, key));

    public static Task<HttpResponseMessage> PostAsync(this GatewayFixture gw, string path, JsonNode body, string? key = GatewayFixture.GatewayKey) =>
        gw.SendAsync(gw.Post(path, body.ToJsonString(), key));

    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response)
    {
        using var cts = new CancellationTokenSource(Deadline);
        var text = await response.Content.ReadAsStringAsync(cts.Token);
        try
        {
            return JsonDocument.Parse(text).RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new Xunit.Sdk.XunitException($"Not JSON ({(int)response.StatusCode}): {text}\n{e.Message}");
        }
    }

    /// <summary>Asserts status and OpenAI's error envelope; returns the <c>error</c> object.</summary>
    public static async Task<JsonElement> AssertOpenAiErrorAsync(this HttpResponseMessage response, int status, string? code = null)
    {
        var body = await response.JsonAsync();
        Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {body}");
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.ToString());
        var error = body.GetProperty("error");
        Assert.Equal(JsonValueKind.String, error.GetProperty("message").ValueKind);
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        Assert.Equal(JsonValueKind.String, error.GetProperty("type").ValueKind);
        Assert.True(error.TryGetProperty("param", out _), "error.param must be present (null when unknown)");
        Assert.True(error.TryGetProperty("code", out _), "error.code must be present (null when unknown)");
        if (code is not null) Assert.Equal(code, error.GetProperty("code").GetString());
        return error;
    }

    public static string? Header(this HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values)
        : response.Content.Headers.TryGetValues(name, out var cv) ? string.Join(",", cv) : null;

    /// <summary>A chat request: one user message (directives go in it), optional stream and extra top-level fields.</summary>
    public static JsonObject Chat(string userText, bool stream = false, string model = "claude-sonnet-4-5", JsonObject? extra = null)
    {
        var body = new JsonObject
        {
            ["model"] = model,
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = userText }),
        };
        if (stream) body["stream"] = true;
        if (extra is not null)
            foreach (var (k, v) in extra.ToList()) body[k] = v?.DeepClone();
        return body;
    }

    /// <summary>An OpenAI function tool definition with one string property.</summary>
    public static JsonObject Tool(string name, string property = "path") => new()
    {
        ["type"] = "function",
        ["function"] = new JsonObject
        {
            ["name"] = name,
            ["description"] = $"The {name} tool",
            ["parameters"] = new JsonObject
            {
                ["type"] = "object",
                ["properties"] = new JsonObject { [property] = new JsonObject { ["type"] = "string" } },
                ["required"] = new JsonArray(property),
            },
        },
    };

    /// <summary>The simulator's recorded upstream request whose body contains <paramref name="marker"/> (the last one).</summary>
    public static Gateway.Simulator.RecordedRequest Upstream(this GatewayFixture gw, string marker) =>
        gw.Simulator.Requests.LastOrDefault(r => r.Body.Contains(marker, StringComparison.Ordinal))
        ?? throw new Xunit.Sdk.XunitException($"No upstream request contains '{marker}'. Seen: {gw.Simulator.Requests.Count}");
}
