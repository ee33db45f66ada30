using System.Net.Http.Headers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Gateway.Host;
using Gateway.Simulator;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;

namespace Gateway.Reduction;

/// <summary>
/// Replays sessions through an in-process gateway under one <see cref="ReductionConfig"/>:
/// 1. start the usage tap (loopback pass-through that reads the upstream's usage);
/// 2. start the gateway (Production, the configuration's switches, upstream = the tap);
/// 3. per session: a fresh simulator (empty prompt cache) behind the tap;
/// 4. per request, in order: POST the body as the client sent it (same headers, streamed as recorded), read the
///    whole answer, then take what the simulator received (<see cref="SimulatorServer.Requests"/>) and what it
///    reported (the tap) and check retention against the client's request.
/// </summary>
public sealed class Replayer(ReplayOptions options)
{
    private const string UpstreamKey = "sk-ant-reduction-bench";
    private const string GatewayKey = "gw-reduction-bench";

    private static readonly HashSet<string> SkippedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "host", "content-length", "connection", "content-type", "accept-encoding", "authorization", "transfer-encoding",
    };

    public async Task<IReadOnlyList<RequestOutcome>> RunAsync(ReductionConfig config, IReadOnlyList<SessionFile> sessions, CancellationToken ct)
    {
        var outcomes = new List<RequestOutcome>();
        // 1. The tap.
        await using var tap = await UsageTap.StartAsync(ct);

        // 2. The gateway.
        var settings = new Dictionary<string, string?>
        {
            ["ANTHROPIC_API_KEY"] = UpstreamKey,
            ["ANTHROPIC_BASE_URL"] = tap.BaseUrl.ToString().TrimEnd('/'),
            ["GATEWAY_API_KEY"] = GatewayKey,
            ["POLICY_DIR"] = options.PolicyDirectory,
            ["UPSTREAM_TIMEOUT_SECONDS"] = options.RequestTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var (k, v) in config.Settings()) settings[k] = v;
        foreach (var (k, v) in options.ExtraSettings) settings[k] = v;

        WebApplication gateway;
        try
        {
            gateway = await GatewayApp.BuildAsync(
                ["--urls", "http://127.0.0.1:0", "--environment", "Production"],
                b => b.Configuration.AddInMemoryCollection(settings),
                lc => lc.MinimumLevel.Warning().MinimumLevel.Override("Microsoft.Hosting.Lifetime", Serilog.Events.LogEventLevel.Warning));
            await gateway.StartAsync(ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new InvalidOperationException($"the gateway did not start for \"{config.Name}\": {e.Message}", e);
        }

        await using var _ = gateway;
        var gatewayUrl = new Uri(gateway.Urls.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/') + "/");
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = gatewayUrl, Timeout = Timeout.InfiniteTimeSpan };

        // 3. Isolated (default): a fresh upstream per session, so each session starts with an empty prompt cache.
        //    Shared (--shared-upstream): one upstream for all sessions, back to back, as one developer's day of sessions
        //    within the cache TTL: a session can read what the previous one cached (the tool definitions, usually).
        await using var shared = options.SharedUpstream
            ? await SimulatorServer.StartAsync(new SimulatorOptions { ApiKey = UpstreamKey, RecordLimit = 100_000 }, ct: ct)
            : null;
        foreach (var session in sessions)
        {
            await using var own = shared is null ? await SimulatorServer.StartAsync(new SimulatorOptions { ApiKey = UpstreamKey, RecordLimit = 100_000 }, ct: ct) : null;
            var sim = shared ?? own!;
            tap.Target = sim.BaseUrl;
            tap.Clear();
            foreach (var request in session.Requests.Where(r => r.IsCompletion))
            {
                ct.ThrowIfCancellationRequested();
                outcomes.Add(await ReplayOneAsync(client, sim, tap, session, request, ct));
            }
        }
        await gateway.StopAsync(CancellationToken.None);
        return outcomes;
    }

    // 4. One request.
    private async Task<RequestOutcome> ReplayOneAsync(HttpClient client, SimulatorServer sim, UsageTap tap, SessionFile session, RecordedClientRequest request, CancellationToken ct)
    {
        var simBefore = sim.Requests.Count;
        var tapBefore = tap.Exchanges.Count;
        var body = Serialize(request.Body);
        using var message = new HttpRequestMessage(HttpMethod.Post, request.Path.TrimStart('/'))
        {
            Content = new ByteArrayContent(body),
        };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", GatewayKey);
        foreach (var (k, v) in request.Headers)
            if (!SkippedHeaders.Contains(k)) message.Headers.TryAddWithoutValidation(k, v);

        int status = 0;
        string? error = null;
        string? xReduction = null;
        string? xCache = null;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            timeout.CancelAfter(TimeSpan.FromSeconds(options.RequestTimeoutSeconds));
            try
            {
                using var response = await client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
                status = (int)response.StatusCode;
                if (response.Headers.TryGetValues("X-Reduction", out var xr)) xReduction = string.Join(",", xr);
                if (response.Headers.TryGetValues("X-Cache", out var xc)) xCache = string.Join(",", xc);
                var text = await response.Content.ReadAsStringAsync(timeout.Token);
                if (status != 200) error = $"gateway {status}: {Clip(text)}";
                else if (request.Stream) error = CheckStream(text);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                error = $"timed out after {options.RequestTimeoutSeconds} s";
            }
            catch (HttpRequestException e)
            {
                error = $"HTTP error: {e.Message}";
            }
        }

        // The simulator records a request, and the tap its usage, once their answer is fully written, which can be a
        // moment after the client has read the end of the stream: wait (bounded) until both have caught up.
        // A response-cache hit (X-Cache: HIT) legitimately sends nothing upstream.
        var cacheHit = xCache?.StartsWith("HIT", StringComparison.OrdinalIgnoreCase) == true;
        List<Gateway.Simulator.RecordedRequest> upstream;
        List<TapExchange> exchanges;
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            upstream = sim.Requests.Skip(simBefore).Where(r => r.Path.EndsWith("/v1/messages", StringComparison.Ordinal)).ToList();
            exchanges = tap.Exchanges.Skip(tapBefore).Where(x => x.Path.EndsWith("/v1/messages", StringComparison.Ordinal)).ToList();
            var settled = upstream.Count > 0 && exchanges.Count >= upstream.Count;
            if (settled || cacheHit || error is not null && status == 0 || waited.Elapsed > TimeSpan.FromSeconds(3)) break;
            await Task.Delay(10, ct);
        }
        var usage = exchanges.LastOrDefault(x => x.Status == 200)?.Usage ?? UpstreamUsage.Empty;
        var upstreamBody = upstream.LastOrDefault()?.Body ?? exchanges.LastOrDefault()?.RequestBody ?? "";
        var facts = Retention.Extract(request.Body);
        // A cache hit answers with what the model said to the identical full request: nothing was lost.
        var retention = cacheHit && upstream.Count == 0 ? new RetentionResult(facts.Count, facts.Count, [])
            : upstreamBody.Length == 0 ? new RetentionResult(facts.Count, 0, facts)
            : Retention.Check(facts, upstreamBody);
        var messages = request.Body["messages"] is System.Text.Json.Nodes.JsonArray a ? a.Count : 0;
        if (error is null && upstream.Count == 0 && !cacheHit) error = "the simulator received no request (and the answer was no X-Cache: HIT)";
        return new RequestOutcome(session.Name, request.Seq, messages, status, error, upstream.Count,
            upstream.Count(r => r.Status >= 400), usage, retention, xReduction, xCache);
    }

    /// <summary>The body as JSON, non-ASCII and HTML characters unescaped (as the client's Node SDK writes them).</summary>
    private static byte[] Serialize(System.Text.Json.Nodes.JsonObject body)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(64 * 1024);
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            body.WriteTo(w);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A streamed answer must end with [DONE] and carry no error chunk.</summary>
    private static string? CheckStream(string text)
    {
        var data = text.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.StartsWith("data:", StringComparison.Ordinal))
            .Select(l => l[5..].Trim()).ToList();
        if (data.Count == 0 || data[^1] != "[DONE]") return $"stream did not end with [DONE]: {Clip(text)}";
        if (data.Any(d => d.StartsWith("{\"error\"", StringComparison.Ordinal))) return $"error in stream: {Clip(text)}";
        return null;
    }

    private static string Clip(string s) => s.Length <= 400 ? s : s[..400] + "...";
}

/// <summary>Replay settings.</summary>
public sealed record ReplayOptions(string PolicyDirectory, int RequestTimeoutSeconds, IReadOnlyDictionary<string, string?> ExtraSettings, bool SharedUpstream = false);
