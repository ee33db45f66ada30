namespace Gateway.Host.Configuration;

/// <summary>
/// Everything the gateway reads from its environment, bound once at start-up by <see cref="GatewayOptionsLoader"/>
/// and validated there (a bad setting stops the process with a message naming the variable). Immutable.
/// </summary>
public sealed record GatewayOptions
{
    /// <summary><c>ANTHROPIC_API_KEY</c>. Unset outside Production: the demo upstream (the simulator) is used.</summary>
    public string? AnthropicApiKey { get; init; }

    /// <summary><c>ANTHROPIC_BASE_URL</c>: the API root without <c>/v1</c>.</summary>
    public Uri AnthropicBaseUrl { get; init; } = new("https://api.anthropic.com");

    /// <summary><c>ANTHROPIC_VERSION</c>: the <c>anthropic-version</c> header.</summary>
    public string AnthropicVersion { get; init; } = "2023-06-01";

    /// <summary><c>GATEWAY_API_KEY</c>: one key or a comma-separated list. Empty: no client authentication (refused in Production).</summary>
    public IReadOnlyList<string> GatewayApiKeys { get; init; } = [];

    /// <summary><c>ORIGIN_SECRET</c>: when set, every /v1 request must carry it in <c>X-Origin-Secret</c>.</summary>
    public string? OriginSecret { get; init; }

    /// <summary><c>REQUIRE_CF_ACCESS_HEADERS=1</c>: requests without Cloudflare Access headers are rejected.</summary>
    public bool RequireCfAccessHeaders { get; init; }

    /// <summary><c>DEFAULT_MODEL</c>; empty: the catalogue's default (current Sonnet).</summary>
    public string? DefaultModel { get; init; }

    /// <summary><c>OPUS_MODEL</c>; empty: the catalogue's Opus.</summary>
    public string? OpusModel { get; init; }

    /// <summary><c>DEFAULT_MAX_TOKENS</c>: max_tokens when the client sends none (capped at the model's limit).</summary>
    public int DefaultMaxTokens { get; init; } = 4096;

    /// <summary><c>UPSTREAM_TIMEOUT_SECONDS</c>: wait for the upstream's first byte before answering 504.</summary>
    public int UpstreamTimeoutSeconds { get; init; } = 300;

    /// <summary><c>MAX_REQUEST_BODY_MB</c>: larger request bodies are answered 413.</summary>
    public int MaxRequestBodyMegabytes { get; init; } = 32;

    /// <summary>
    /// <c>MAX_REQUEST_DRAIN_MB</c> (default 4 x <see cref="MaxRequestBodyMegabytes"/>): an over-limit chat body up to this size is
    /// read and discarded before the 413, so a client uploading it whole reads the answer instead of a reset; beyond it the
    /// gateway stops reading and closes the connection (a DoS guard).
    /// </summary>
    public int MaxRequestDrainMegabytes { get; init; } = 4 * 32;

    public long MaxRequestBodyBytes => MaxRequestBodyMegabytes * 1024L * 1024L;
    public long MaxRequestDrainBytes => MaxRequestDrainMegabytes * 1024L * 1024L;

    /// <summary><c>POLICY_DIR</c>: the policy directory (profiles, rules, tests, <c>models.yaml</c>); located by <see cref="Policies.PolicyDirectoryLocator"/> when unset.</summary>
    public string PolicyDirectory { get; init; } = "policies";

    /// <summary><c>POLICY_POLL_MS</c>: how often the policy directory is fingerprinted for changes file events missed.</summary>
    public int PolicyPollMilliseconds { get; init; } = 1000;

    /// <summary><c>ADMIN_API_KEY</c>: opens <c>/admin/*</c>; unset: admin endpoints answer 404.</summary>
    public string? AdminApiKey { get; init; }

    /// <summary><c>ENABLE_OPUS_ROUTING</c>: the default profile's Sonnet/Opus routing heuristics (policy override).</summary>
    public bool? EnableOpusRouting { get; init; }

    /// <summary><c>REDIS_URL</c>: shared state (used by the cache and limits layers; unset: in-memory).</summary>
    public string? RedisUrl { get; init; }

    /// <summary><c>CACHE_TTL_SECONDS</c>: response cache lifetime (token-economy layer).</summary>
    public int CacheTtlSeconds { get; init; } = 1800;

    /// <summary>Seed switches for the policy layer (<c>STRIP_IDE_BOILERPLATE</c>, <c>ENABLE_PREFIX_CACHE</c>, <c>ENABLE_TOOL_RESULT_DEDUP</c>, <c>ENFORCE_DIFF_FIRST</c>).</summary>
    public bool StripIdeBoilerplate { get; init; } = true;
    public bool EnablePrefixCache { get; init; } = true;
    public bool EnableToolResultDedup { get; init; } = true;
    public bool EnforceDiffFirst { get; init; }

    /// <summary>True when no real upstream key is configured and the in-process simulator answers instead.</summary>
    public bool DemoUpstream => string.IsNullOrEmpty(AnthropicApiKey);

    /// <summary><c>USAGE_LOG</c>: write each request's usage event as a log event of its own (default off).</summary>
    public bool UsageLog { get; init; }
}
