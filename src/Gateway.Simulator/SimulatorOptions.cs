namespace Gateway.Simulator;

/// <summary>Settings for one simulator instance.</summary>
public sealed class SimulatorOptions
{
    /// <summary>The only accepted <c>x-api-key</c>; null accepts any non-empty key.</summary>
    public string? ApiKey { get; set; }

    /// <summary>How many requests are kept for inspection (oldest dropped first).</summary>
    public int RecordLimit { get; set; } = 200;

    /// <summary>No per-request console logging.</summary>
    public bool Quiet { get; set; } = true;

    /// <summary>
    /// A script that drives every answer regardless of the conversation's directives.
    /// <c>"agent"</c>: a tiny deterministic agent (list, read, answer) for IDE clients that cannot
    /// put directives in the conversation. Null: directives only.
    /// </summary>
    public string? Script { get; set; }

    /// <summary>The clock for prompt-cache lifetimes (5 minutes, 1 hour); tests pass a fake one. Null: the system clock.</summary>
    public TimeProvider? Time { get; set; }

    /// <summary>Most prompt-cache entries kept; past it, expired then soonest-expiring entries are dropped.</summary>
    public int CacheCapacity { get; set; } = 100_000;
}
