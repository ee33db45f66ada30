using System.Text.Json;

namespace Gateway.Reduction;

/// <summary>
/// Usage as the upstream (the simulator, like Anthropic) reported it. Anthropic's stream usage is cumulative
/// (message_start, then message_delta), so later values replace earlier ones, never add.
/// </summary>
public sealed record UpstreamUsage
{
    public long InputTokens { get; init; }
    public long OutputTokens { get; init; }
    public long CacheCreationInputTokens { get; init; }
    public long CacheReadInputTokens { get; init; }
    /// <summary>cache_creation.ephemeral_5m_input_tokens; null when the upstream gave no breakdown.</summary>
    public long? CacheWrite5m { get; init; }
    public long? CacheWrite1h { get; init; }

    /// <summary>Every input token the upstream read for this request, whatever it cost.</summary>
    public long TotalInput => InputTokens + CacheCreationInputTokens + CacheReadInputTokens;

    /// <summary>1-hour writes (breakdown), the rest of the writes priced as 5-minute ones.</summary>
    public long Write1h => CacheWrite1h ?? 0;
    public long Write5m => CacheWrite5m ?? Math.Max(0, CacheCreationInputTokens - Write1h);

    /// <summary>
    /// Input cost in base-input-token units: input + 1.25 x 5m writes + 2 x 1h writes + 0.1 x reads
    /// (Anthropic's prompt-caching multipliers; the same for every model in policies/models.yaml).
    /// </summary>
    public double CostUnits => InputTokens + 1.25 * Write5m + 2.0 * Write1h + 0.1 * CacheReadInputTokens;

    public static UpstreamUsage Empty { get; } = new();

    /// <summary>Reads usage from a Messages response: an SSE stream or a JSON Message.</summary>
    public static UpstreamUsage Parse(string responseText, bool sse)
    {
        var usage = Empty;
        if (!sse)
        {
            try
            {
                using var doc = JsonDocument.Parse(responseText);
                if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("usage", out var u)) usage = Merge(usage, u);
            }
            catch (JsonException) { }
            return usage;
        }
        foreach (var raw in responseText.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (!line.StartsWith("data:", StringComparison.Ordinal)) continue;
            try
            {
                using var doc = JsonDocument.Parse(line.AsMemory(5));
                var root = doc.RootElement;
                if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("type", out var type)) continue;
                switch (type.GetString())
                {
                    case "message_start" when root.TryGetProperty("message", out var m) && m.TryGetProperty("usage", out var u1):
                        usage = Merge(usage, u1);
                        break;
                    case "message_delta" when root.TryGetProperty("usage", out var u2):
                        usage = Merge(usage, u2);
                        break;
                }
            }
            catch (JsonException) { }
        }
        return usage;
    }

    private static UpstreamUsage Merge(UpstreamUsage u, JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.Object) return u;
        long? Get(JsonElement obj, string name) =>
            obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) ? n : null;
        var result = u with
        {
            InputTokens = Get(e, "input_tokens") ?? u.InputTokens,
            OutputTokens = Get(e, "output_tokens") ?? u.OutputTokens,
            CacheCreationInputTokens = Get(e, "cache_creation_input_tokens") ?? u.CacheCreationInputTokens,
            CacheReadInputTokens = Get(e, "cache_read_input_tokens") ?? u.CacheReadInputTokens,
        };
        if (e.TryGetProperty("cache_creation", out var cc) && cc.ValueKind == JsonValueKind.Object)
            result = result with
            {
                CacheWrite5m = Get(cc, "ephemeral_5m_input_tokens") ?? u.CacheWrite5m,
                CacheWrite1h = Get(cc, "ephemeral_1h_input_tokens") ?? u.CacheWrite1h,
            };
        return result;
    }
}
