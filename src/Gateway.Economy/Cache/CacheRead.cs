namespace Gateway.Economy.Cache;

/// <summary>What a cache store read found.</summary>
public enum CacheReadStatus
{
    Hit,
    Miss,
    /// <summary>The store could not answer (Redis down or slow): treat as a miss, but say BYPASS and do not try to store.</summary>
    Unavailable,
}

/// <summary>The result of <see cref="IResponseCacheStore.GetAsync"/>: <see cref="Value"/> is set only on a hit.</summary>
public readonly record struct CacheRead(CacheReadStatus Status, byte[]? Value)
{
    public static CacheRead Miss => new(CacheReadStatus.Miss, null);
    public static CacheRead Unavailable => new(CacheReadStatus.Unavailable, null);
    public static CacheRead Hit(byte[] value) => new(CacheReadStatus.Hit, value);
}
