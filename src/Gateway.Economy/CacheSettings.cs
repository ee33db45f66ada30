namespace Gateway.Economy;

/// <summary>A profile's prompt-cache and response-cache settings, as the economy needs them (the host maps them from the profile).</summary>
public sealed record CacheSettings
{
    /// <summary>Place automatic prompt-cache breakpoints.</summary>
    public bool PrefixCache { get; init; } = true;

    /// <summary>Breakpoint TTL: <c>5m</c> or <c>1h</c>.</summary>
    public string Ttl { get; init; } = "5m";

    /// <summary>Answer repeated deterministic requests from the response cache.</summary>
    public bool ResponseCache { get; init; } = true;
}
