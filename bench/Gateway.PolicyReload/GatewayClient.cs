using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Gateway.PolicyReload;

/// <summary>One request's outcome: OK only if 200 and the body is complete (a stream ends with <c>data: [DONE]</c>).</summary>
public readonly record struct RequestResult(bool Ok, string? Version, string? Error, double Milliseconds);

/// <summary>What <c>GET /admin/policies</c> says about versions and the last failed reload.</summary>
public sealed record AdminState(string Version, DateTimeOffset? ErrorAt, IReadOnlyList<string> Errors);

/// <summary>Chat completions (stream and non-stream, default and research profile) and the admin endpoints of one gateway.</summary>
public sealed class GatewayClient(Uri gateway, int connections) : IDisposable
{
    public const string GatewayKey = "bench-reload-gateway-key";
    public const string AdminKey = "bench-reload-admin-key";
    public const string SimulatorKey = "bench-reload-simulator-key";

    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private static readonly byte[] Done = "data: [DONE]"u8.ToArray();
    private static readonly byte[] FinishReason = "\"finish_reason\""u8.ToArray();

    private readonly HttpClient _http = new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = connections,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        UseProxy = false,
    })
    { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>A short three-turn conversation; the simulator answers with a fixed sentence (~12 stream events).</summary>
    private static byte[] Body(bool stream) => Encoding.UTF8.GetBytes(
        "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":256," + (stream ? "\"stream\":true,\"stream_options\":{\"include_usage\":true}," : "") +
        "\"messages\":[{\"role\":\"system\",\"content\":\"You are a terse assistant inside an IDE.\"}," +
        "{\"role\":\"user\",\"content\":\"What does the logger do?\"},{\"role\":\"assistant\",\"content\":\"It writes structured events.\"}," +
        "{\"role\":\"user\",\"content\":\"Summarise it in one sentence. [[sim:text \\\"The logger writes structured events to the console and to a rolling file, one JSON object per line.\\\"]]\"}]}");

    private static readonly byte[] StreamBody = Body(true);
    private static readonly byte[] PlainBody = Body(false);

    public static byte[] RequestBody(bool stream) => stream ? StreamBody : PlainBody;

    public async Task<RequestResult> ChatAsync(bool stream, bool research, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(gateway, "/v1/chat/completions"))
        {
            Content = new ByteArrayContent(stream ? StreamBody : PlainBody) { Headers = { ContentType = Json } },
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", GatewayKey);
        if (research) request.Headers.TryAddWithoutValidation("X-Gateway-Profile", "research");
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            var version = response.Headers.TryGetValues("X-Policy-Version", out var v) ? v.FirstOrDefault() : null;
            var body = await response.Content.ReadAsByteArrayAsync(ct);
            var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (response.StatusCode != HttpStatusCode.OK)
                return new(false, version, $"{(int)response.StatusCode} {Encoding.UTF8.GetString(body.AsSpan(0, Math.Min(body.Length, 300)))}", ms);
            var complete = stream
                ? body.AsSpan().IndexOf(Done) >= 0 && body.AsSpan().IndexOf("\"error\""u8) < 0
                : body.AsSpan().IndexOf(FinishReason) >= 0;
            if (!complete)
                return new(false, version, $"incomplete {(stream ? "stream" : "body")}: {Encoding.UTF8.GetString(body.AsSpan(Math.Max(0, body.Length - 300)))}", ms);
            if (version is null) return new(false, null, "200 without X-Policy-Version", ms);
            return new(true, version, null, ms);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return new(false, null, $"{e.GetType().Name}: {e.Message}", Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    public async Task<AdminState> AdminStateAsync(CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(gateway, "/admin/policies"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        using var response = await _http.SendAsync(request, ct);
        response.EnsureSuccessStatusCode();
        using var doc = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync(ct));
        var root = doc.RootElement;
        var error = root.GetProperty("last_reload_error");
        return error.ValueKind == JsonValueKind.Null
            ? new AdminState(root.GetProperty("version").GetString()!, null, [])
            : new AdminState(root.GetProperty("version").GetString()!, error.GetProperty("at").GetDateTimeOffset(),
                error.GetProperty("errors").EnumerateArray().Select(e => e.GetString() ?? "").ToList());
    }

    /// <summary><c>POST /admin/policies/reload</c>: status and the version it reports (active_version on 422).</summary>
    public async Task<(int Status, string? Version, string Body)> ReloadAsync(CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(gateway, "/admin/policies/reload"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        using var response = await _http.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        string? version = null;
        try
        {
            using var doc = JsonDocument.Parse(text);
            version = doc.RootElement.TryGetProperty("version", out var v) ? v.GetString()
                : doc.RootElement.TryGetProperty("active_version", out var a) ? a.GetString() : null;
        }
        catch (JsonException) { }
        return ((int)response.StatusCode, version, text);
    }

    public void Dispose() => _http.Dispose();
}
