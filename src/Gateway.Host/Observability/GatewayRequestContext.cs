using System.Diagnostics;
using Gateway.Core.Translation;
using Gateway.Core.Usage;

namespace Gateway.Host.Observability;

/// <summary>
/// The one per-request record every layer writes to and the request log (later the usage ledger) reads once at the end:
/// who called (key id, profile), what was asked and sent (model, why that model), what it cost (usage) and where time went.
/// Owned by one request; not thread-safe.
/// </summary>
public sealed class GatewayRequestContext
{
    private static readonly object ItemKey = new();
    private readonly long _started = Stopwatch.GetTimestamp();

    /// <summary>A non-secret id of the gateway key used (first 12 hex chars of its SHA-256), or <c>anonymous</c>.</summary>
    public string KeyId { get; set; } = "anonymous";

    /// <summary>Hex SHA-256 of the gateway key (how policy profiles bind keys); never logged.</summary>
    public string? KeySha256 { get; set; }

    /// <summary>The policy profile in force.</summary>
    public string Profile { get; set; } = "default";

    /// <summary>The policy snapshot version the request ran with (<c>X-Policy-Version</c>).</summary>
    public string? PolicyVersion { get; set; }

    /// <summary>Steps that changed the request, as <c>step:tokensBefore-&gt;tokensAfter</c>.</summary>
    public IReadOnlyList<string> PolicyChanges { get; set; } = [];

    /// <summary>Estimated input tokens before and after the policy pipeline.</summary>
    public int? TokensBeforePolicy { get; set; }
    public int? TokensAfterPolicy { get; set; }

    /// <summary>Response cache: HIT, MISS or BYPASS (<c>X-Cache</c>).</summary>
    public string? CacheStatus { get; set; }

    /// <summary>Prompt-cache breakpoints placed, short form (<c>bp=3; read=...; write=...</c>).</summary>
    public string? CachePlan { get; set; }

    /// <summary>Tags set by policy rules.</summary>
    public IReadOnlyDictionary<string, string>? PolicyTags { get; set; }

    public string? RequestedModel { get; set; }
    public string? Model { get; set; }

    /// <summary>Why <see cref="Model"/> was chosen: requested, alias, default (routed:... with the policy layer).</summary>
    public string? ModelSource { get; set; }

    public bool Stream { get; set; }
    public UsageSummary? Usage { get; set; }
    public string? FinishReason { get; set; }
    public string? UpstreamRequestId { get; set; }
    public int? UpstreamStatus { get; set; }

    /// <summary>Where a failed request failed: auth, parse, translate, upstream, stream, client.</summary>
    public RequestStage? ErrorStage { get; set; }
    public string? ErrorType { get; set; }
    public IReadOnlyList<string> Adjustments { get; set; } = [];

    /// <summary>Milliseconds from arrival until the upstream's headers came back.</summary>
    public double? UpstreamFirstByteMs { get; private set; }

    public void MarkUpstreamFirstByte() => UpstreamFirstByteMs = Stopwatch.GetElapsedTime(_started).TotalMilliseconds;

    public double ElapsedMs => Stopwatch.GetElapsedTime(_started).TotalMilliseconds;

    /// <summary>When the request arrived.</summary>
    public DateTimeOffset ArrivedAt { get; } = DateTimeOffset.UtcNow;

    /// <summary>The API the request came in on (<c>openai.chat</c>); null for requests that are not API calls (health, models).
    /// Requests with an ingress end in one <see cref="UsageEvent"/>.</summary>
    public string? Ingress { get; set; }

    /// <summary>The request's one usage event, once its answer has ended: what was billed, where it went, how it ended.</summary>
    public UsageEvent ToUsageEvent(int status) => new(
        ArrivedAt, Ingress ?? "", KeyId, Profile, RequestedModel, Model ?? "", ModelSource, Stream, status,
        Usage?.PromptTokens ?? 0, Usage?.OutputTokens ?? 0, Usage?.CacheReadInputTokens ?? 0, Usage?.CacheCreationInputTokens ?? 0,
        CacheStatus, FinishReason, ElapsedMs, UpstreamFirstByteMs, ErrorStage, ErrorType, PolicyVersion);

    public static GatewayRequestContext Of(HttpContext http)
    {
        if (http.Items.TryGetValue(ItemKey, out var existing) && existing is GatewayRequestContext ctx) return ctx;
        ctx = new GatewayRequestContext();
        http.Items[ItemKey] = ctx;
        return ctx;
    }

    public static GatewayRequestContext? Find(HttpContext http) =>
        http.Items.TryGetValue(ItemKey, out var existing) ? existing as GatewayRequestContext : null;
}
