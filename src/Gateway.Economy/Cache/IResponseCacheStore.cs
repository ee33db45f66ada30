namespace Gateway.Economy.Cache;

/// <summary>
/// Bytes by key with a TTL: the response cache's storage. Fail-open: an implementation never throws for a store failure (only for the
/// caller's cancellation); a read it cannot serve is <see cref="CacheReadStatus.Unavailable"/>, a write it cannot do returns false.
/// Implementations: <see cref="RedisResponseCacheStore"/> (shared by a fleet) and <see cref="InMemoryResponseCacheStore"/> (one process).
/// </summary>
public interface IResponseCacheStore
{
    /// <summary>False while the backing store is known to be down: callers can skip work (e.g. serializing an answer to store).</summary>
    bool IsAvailable { get; }

    ValueTask<CacheRead> GetAsync(string key, CancellationToken ct = default);

    /// <summary>Stores <paramref name="value"/> under <paramref name="key"/> for <paramref name="ttl"/>; false when not stored.</summary>
    ValueTask<bool> SetAsync(string key, ReadOnlyMemory<byte> value, TimeSpan ttl, CancellationToken ct = default);
}
