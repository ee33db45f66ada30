namespace Gateway.Economy.Cache;

/// <summary>The outcome of a response cache lookup; <see cref="HeaderValue"/> is what the host sends as <c>X-Cache</c>.</summary>
public enum CacheStatus { Hit, Miss, Bypass }

/// <summary>
/// HIT: <see cref="Answer"/> is the answer to replay. MISS: ask upstream, then store a cacheable answer under <see cref="Key"/>.
/// BYPASS: the request is not cacheable or the store is unavailable (<see cref="BypassReason"/>): ask upstream, store nothing.
/// </summary>
public sealed record CacheLookup(CacheStatus Status, string? Key, CachedAnswer? Answer, string? BypassReason)
{
    /// <summary>Bypass reasons.</summary>
    public const string Disabled = "disabled";            // CACHE_TTL_SECONDS=0
    public const string ProfileOff = "profile";           // the profile's cache.response_cache is off
    public const string NotDeterministic = "temperature"; // temperature not 0 (and the profile does not cache always)
    public const string StoreUnavailable = "store-unavailable";

    public string HeaderValue => Status switch
    {
        CacheStatus.Hit => "HIT",
        CacheStatus.Miss => "MISS",
        _ => "BYPASS",
    };

    public static CacheLookup Hit(string key, CachedAnswer answer) => new(CacheStatus.Hit, key, answer, null);
    public static CacheLookup Miss(string key) => new(CacheStatus.Miss, key, null, null);
    public static CacheLookup Bypass(string reason) => new(CacheStatus.Bypass, null, null, reason);
}
