using System.Globalization;

namespace Gateway.Host.Configuration;

/// <summary>
/// Binds <see cref="GatewayOptions"/> from the seed's environment variable names and validates the whole set,
/// collecting every problem before failing so an operator fixes them in one go.
/// </summary>
public static class GatewayOptionsLoader
{
    public static GatewayOptions Load(IConfiguration config, IHostEnvironment environment)
    {
        var errors = new List<string>();
        var maxBodyMegabytes = Int(config, "MAX_REQUEST_BODY_MB", 32, 1, 1024, errors);
        var options = new GatewayOptions
        {
            AnthropicApiKey = Text(config, "ANTHROPIC_API_KEY"),
            AnthropicBaseUrl = Url(config, "ANTHROPIC_BASE_URL", new Uri("https://api.anthropic.com"), errors),
            AnthropicVersion = Text(config, "ANTHROPIC_VERSION") ?? "2023-06-01",
            GatewayApiKeys = (Text(config, "GATEWAY_API_KEY") ?? "")
                .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            OriginSecret = Text(config, "ORIGIN_SECRET"),
            RequireCfAccessHeaders = Flag(config, "REQUIRE_CF_ACCESS_HEADERS", false, errors),
            UsageLog = Flag(config, "USAGE_LOG", false, errors),
            DefaultModel = Text(config, "DEFAULT_MODEL"),
            OpusModel = Text(config, "OPUS_MODEL"),
            DefaultMaxTokens = Int(config, "DEFAULT_MAX_TOKENS", 4096, 1, 1_000_000, errors),
            UpstreamTimeoutSeconds = Int(config, "UPSTREAM_TIMEOUT_SECONDS", 300, 1, 3600, errors),
            MaxRequestBodyMegabytes = maxBodyMegabytes,
            MaxRequestDrainMegabytes = Int(config, "MAX_REQUEST_DRAIN_MB", 4 * maxBodyMegabytes, 1, 4096, errors),
            PolicyDirectory = Policies.PolicyDirectoryLocator.Locate(Text(config, "POLICY_DIR"), environment.ContentRootPath),
            PolicyPollMilliseconds = Int(config, "POLICY_POLL_MS", 1000, 100, 600_000, errors),
            AdminApiKey = Text(config, "ADMIN_API_KEY"),
            EnableOpusRouting = Text(config, "ENABLE_OPUS_ROUTING") is null ? null : Flag(config, "ENABLE_OPUS_ROUTING", true, errors),
            RedisUrl = Text(config, "REDIS_URL"),
            CacheTtlSeconds = Int(config, "CACHE_TTL_SECONDS", 1800, 0, 30 * 86400, errors),
            StripIdeBoilerplate = Flag(config, "STRIP_IDE_BOILERPLATE", true, errors),
            EnablePrefixCache = Flag(config, "ENABLE_PREFIX_CACHE", true, errors),
            EnableToolResultDedup = Flag(config, "ENABLE_TOOL_RESULT_DEDUP", true, errors),
            EnforceDiffFirst = Flag(config, "ENFORCE_DIFF_FIRST", false, errors),
        };

        if (options.RedisUrl is { } redis && !Gateway.State.RedisUrl.TryParse(redis, out _, out var redisError))
            errors.Add($"REDIS_URL: {redisError}");

        if (options.MaxRequestDrainMegabytes < options.MaxRequestBodyMegabytes)
            errors.Add($"MAX_REQUEST_DRAIN_MB={options.MaxRequestDrainMegabytes} must be at least MAX_REQUEST_BODY_MB={options.MaxRequestBodyMegabytes} (equal: no draining).");

        if (options.AdminApiKey is { } admin && options.GatewayApiKeys.Contains(admin, StringComparer.Ordinal))
            errors.Add("ADMIN_API_KEY must differ from every GATEWAY_API_KEY: a gateway key must never open the admin endpoints.");

        if (environment.IsProduction())
        {
            // Production never runs open or against the demo upstream: both are start-up errors, not warnings.
            if (options.DemoUpstream)
                errors.Add("ANTHROPIC_API_KEY is required in Production (the demo upstream only runs outside Production).");
            if (options.GatewayApiKeys.Count == 0)
                errors.Add("GATEWAY_API_KEY is required in Production (one key or a comma-separated list).");
        }

        if (errors.Count > 0) throw new InvalidOperationException("Invalid configuration:\n  - " + string.Join("\n  - ", errors));
        return options;
    }

    private static string? Text(IConfiguration config, string name)
    {
        var value = config[name];
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }

    private static bool Flag(IConfiguration config, string name, bool fallback, List<string> errors)
    {
        var value = Text(config, name);
        if (value is null) return fallback;
        switch (value.ToLowerInvariant())
        {
            case "1" or "true" or "yes" or "on": return true;
            case "0" or "false" or "no" or "off": return false;
            default:
                errors.Add($"{name}='{value}' is not a switch: use 1/0, true/false, yes/no or on/off.");
                return fallback;
        }
    }

    private static int Int(IConfiguration config, string name, int fallback, int min, int max, List<string> errors)
    {
        var value = Text(config, name);
        if (value is null) return fallback;
        if (int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max) return n;
        errors.Add($"{name}='{value}' must be a whole number from {min} to {max}.");
        return fallback;
    }

    private static Uri Url(IConfiguration config, string name, Uri fallback, List<string> errors)
    {
        var value = Text(config, name);
        if (value is null) return fallback;
        if (Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
        {
            // Accept a root given with /v1 (a common mistake) by trimming it: the client appends /v1/messages itself.
            var text = uri.ToString().TrimEnd('/');
            if (text.EndsWith("/v1", StringComparison.Ordinal)) text = text[..^3];
            return new Uri(text);
        }
        errors.Add($"{name}='{value}' must be an absolute http(s) URL (the API root, without /v1).");
        return fallback;
    }
}
