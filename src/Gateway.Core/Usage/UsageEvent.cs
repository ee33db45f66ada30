namespace Gateway.Core.Usage;

/// <summary>Where a request was when it failed (the request log's <c>ErrorStage</c>).</summary>
public enum RequestStage
{
    /// <summary>Client access: Cloudflare Access header, origin secret, gateway key.</summary>
    Auth,
    /// <summary>Reading or parsing the body.</summary>
    Parse,
    /// <summary>Ingress translation, or the model's parameter rules.</summary>
    Translate,
    /// <summary>Profile, model resolution, the policy pipeline.</summary>
    Policy,
    /// <summary>Pruning, response cache, prompt-cache planning, serialization.</summary>
    Economy,
    /// <summary>Sending upstream or reading its answer's headers.</summary>
    Upstream,
    /// <summary>Translating the answer while it streams.</summary>
    Stream,
    /// <summary>The client went away.</summary>
    Client,
    /// <summary>An error the gateway did not expect (answered 500).</summary>
    Gateway,
}

public static class RequestStages
{
    private static readonly string[] Names = Enum.GetNames<RequestStage>().Select(n => n.ToLowerInvariant()).ToArray();

    /// <summary>The stage as the request log writes it (<c>parse</c>, <c>upstream</c>, ...), without allocating.</summary>
    public static string LogName(this RequestStage stage) => Names[(int)stage];
}

/// <summary>
/// One request's usage and outcome: exactly one per API request, raised when its answer has ended (a stream's last byte
/// included). What the usage ledger, budgets, rate limits and metrics consume; never carries a secret (the key is its id).
/// </summary>
/// <param name="Timestamp">When the request arrived.</param>
/// <param name="Ingress">The API it came in on, e.g. <c>openai.chat</c>.</param>
/// <param name="KeyId">The gateway key's non-secret id (first 12 hex of its SHA-256), or <c>anonymous</c>.</param>
/// <param name="Profile">The policy profile that served it.</param>
/// <param name="RequestedModel">The model name the client sent.</param>
/// <param name="Model">The Claude model it went to (empty when it never got that far).</param>
/// <param name="ModelSource">Why that model (<c>alias</c>, <c>routed:...</c>).</param>
/// <param name="Stream">Whether the answer streamed.</param>
/// <param name="Status">The HTTP status the client got.</param>
/// <param name="InputTokens">Uncached input tokens the upstream billed.</param>
/// <param name="OutputTokens">Output tokens the upstream billed.</param>
/// <param name="CacheReadTokens">Input tokens read from the prompt cache.</param>
/// <param name="CacheWriteTokens">Input tokens written to the prompt cache.</param>
/// <param name="ResponseCache">Response cache outcome: <c>HIT</c>, <c>MISS</c>, <c>BYPASS</c>, or null when not consulted.</param>
/// <param name="FinishReason">The client-facing finish reason, if the answer finished.</param>
/// <param name="DurationMs">Arrival to the answer's last byte.</param>
/// <param name="UpstreamFirstByteMs">Arrival to the upstream's response headers, if it was called.</param>
/// <param name="ErrorStage">Where it failed, if it did.</param>
/// <param name="ErrorType">The error code or type, if it failed.</param>
/// <param name="PolicyVersion">The policy snapshot version that shaped it.</param>
public sealed record UsageEvent(
    DateTimeOffset Timestamp,
    string Ingress,
    string KeyId,
    string Profile,
    string? RequestedModel,
    string Model,
    string? ModelSource,
    bool Stream,
    int Status,
    int InputTokens,
    int OutputTokens,
    int CacheReadTokens,
    int CacheWriteTokens,
    string? ResponseCache,
    string? FinishReason,
    double DurationMs,
    double? UpstreamFirstByteMs,
    RequestStage? ErrorStage,
    string? ErrorType,
    string? PolicyVersion);

/// <summary>
/// Receives every request's <see cref="UsageEvent"/>. Called on the request's own path once its answer has ended: an
/// implementation must not block (queue, then write elsewhere) and must not throw.
/// </summary>
public interface IUsageSink
{
    void Record(UsageEvent usage);
}

/// <summary>The ingress names usage events carry.</summary>
public static class UsageIngress
{
    public const string OpenAiChat = "openai.chat";
}
