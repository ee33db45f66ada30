using System.Net.Http.Headers;
using System.Text;

namespace Gateway.Load;

/// <summary>
/// One kind of request: where it goes, its headers and body, and the bytes a complete answer must contain
/// (a request whose body lacks them counts as an error, so a fast wrong answer never looks like a fast answer).
/// </summary>
public sealed record Scenario(string Name, string Side, bool Stream, Uri Url, byte[] Body, IReadOnlyList<(string Name, string Value)> Headers, byte[] CompleteMarker)
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    public HttpRequestMessage NewRequest()
    {
        var content = new ByteArrayContent(Body);
        content.Headers.ContentType = Json;
        var request = new HttpRequestMessage(HttpMethod.Post, Url) { Content = content, Version = System.Net.HttpVersion.Version11 };
        foreach (var (name, value) in Headers) request.Headers.TryAddWithoutValidation(name, value);
        return request;
    }

    public const string SimulatorKey = "bench-simulator-key";
    public const string GatewayKey = "bench-gateway-key";

    /// <summary>Direct: the Anthropic body the gateway would send. Gateway: the OpenAI body it translates into that.</summary>
    public static Scenario Direct(Uri simulator, bool stream) => new(
        stream ? "direct stream" : "direct non-stream", "direct", stream,
        new Uri(simulator, "/v1/messages"),
        RequestBodies.Messages(stream),
        [("x-api-key", SimulatorKey), ("anthropic-version", "2023-06-01")],
        Encoding.UTF8.GetBytes(stream ? "event: message_stop" : "\"stop_reason\""));

    public static Scenario Gateway(Uri gateway, bool stream) => new(
        stream ? "gateway stream" : "gateway non-stream", "gateway", stream,
        new Uri(gateway, "/v1/chat/completions"),
        RequestBodies.ChatCompletions(stream),
        [("Authorization", "Bearer " + GatewayKey)],
        Encoding.UTF8.GetBytes(stream ? "data: [DONE]" : "\"finish_reason\""));

    /// <summary>
    /// Through a plain nginx proxy hop to the canned upstream: the same OpenAI bytes and headers the gateway gets; nginx passes
    /// them on untouched and the canned Anthropic answer comes back, so a complete answer is Anthropic's.
    /// </summary>
    public static Scenario NginxHop(Uri hop, bool stream) => new(
        stream ? "nginx hop stream" : "nginx hop non-stream", "nginx hop", stream,
        new Uri(hop, "/v1/chat/completions"),
        RequestBodies.ChatCompletions(stream),
        [("Authorization", "Bearer " + GatewayKey)],
        Encoding.UTF8.GetBytes(stream ? "event: message_stop" : "\"stop_reason\""));

    /// <summary>A gateway stream whose simulator answer waits <paramref name="slowMs"/> between events (<c>[[sim:slow MS]]</c>).</summary>
    public static Scenario SlowGatewayStream(Uri gateway, int slowMs) => new(
        "gateway slow stream", "gateway", true,
        new Uri(gateway, "/v1/chat/completions"),
        RequestBodies.ChatCompletionsWithDirective($"[[sim:slow {slowMs}]]", stream: true),
        [("Authorization", "Bearer " + GatewayKey)],
        Encoding.UTF8.GetBytes("data: [DONE]"));
}
