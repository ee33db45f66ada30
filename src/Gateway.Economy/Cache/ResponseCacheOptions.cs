namespace Gateway.Economy.Cache;

/// <summary>Response cache settings: <see cref="Ttl"/> from <c>CACHE_TTL_SECONDS</c> (default 1800; 0 disables the cache).</summary>
public sealed record ResponseCacheOptions
{
    public const int DefaultTtlSeconds = 1800;

    public TimeSpan Ttl { get; init; } = TimeSpan.FromSeconds(DefaultTtlSeconds);
    /// <summary>Larger answers are not stored (a cache entry should stay a small fraction of Redis or process memory).</summary>
    public int MaxAnswerBytes { get; init; } = 1024 * 1024;

    public bool Enabled => Ttl > TimeSpan.Zero;

    public static ResponseCacheOptions FromTtlSeconds(int seconds)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(seconds);
        return new ResponseCacheOptions { Ttl = TimeSpan.FromSeconds(seconds) };
    }
}
