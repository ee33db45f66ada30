
namespace Gateway.Economy.Cache;

/// <summary>When a profile's answers may be cached.</summary>
public enum ResponseCacheMode
{
    /// <summary>Never.</summary>
    Off,
    /// <summary>Only requests at temperature 0 (the default: other temperatures ask for varied answers).</summary>
    Deterministic,
    /// <summary>Every request with a text answer, whatever the temperature (the profile accepts repeated answers).</summary>
    Always,
}

public static class ResponseCacheModes
{
    /// <summary>The mode a profile's <c>cache:</c> section asks for: <c>response_cache: true</c> is <see cref="ResponseCacheMode.Deterministic"/>.</summary>
    public static ResponseCacheMode From(CacheSettings config) =>
        config.ResponseCache ? ResponseCacheMode.Deterministic : ResponseCacheMode.Off;
}
