using Gateway.State;

namespace Gateway.Economy.Cache;

/// <summary>
/// <see cref="IResponseCacheStore"/> in process memory (when <c>REDIS_URL</c> is unset): bounded by entries and by total bytes,
/// least recently written dropped first. Thread-safe.
/// </summary>
public sealed class InMemoryResponseCacheStore : IResponseCacheStore
{
    private readonly BoundedTtlMap<byte[]> _map;

    public InMemoryResponseCacheStore(int maxEntries = 10_000, long maxBytes = 64L * 1024 * 1024, TimeProvider? time = null) =>
        _map = new BoundedTtlMap<byte[]>(maxEntries, maxBytes, static v => v.Length + 64, time);

    public bool IsAvailable => true;

    /// <summary>Entries held now (expired ones included until they are read or swept).</summary>
    public int Count => _map.Count;

    public ValueTask<CacheRead> GetAsync(string key, CancellationToken ct = default) =>
        ValueTask.FromResult(_map.TryGet(key, out var v) ? CacheRead.Hit(v) : CacheRead.Miss);

    public ValueTask<bool> SetAsync(string key, ReadOnlyMemory<byte> value, TimeSpan ttl, CancellationToken ct = default) =>
        ValueTask.FromResult(_map.Set(key, value.ToArray(), ttl));
}
