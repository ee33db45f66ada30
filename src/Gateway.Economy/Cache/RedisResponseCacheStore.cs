using Gateway.State;
using StackExchange.Redis;

namespace Gateway.Economy.Cache;

/// <summary><see cref="IResponseCacheStore"/> in Redis, keys <c>cg:v1:resp:KEY</c>, values as raw bytes with a TTL. Fail-open.</summary>
public sealed class RedisResponseCacheStore(RedisConnection connection) : IResponseCacheStore
{
    public bool IsAvailable => connection.IsAvailable;

    public async ValueTask<CacheRead> GetAsync(string key, CancellationToken ct = default)
    {
        var r = await connection.ExecuteAsync("response-cache get", db => db.StringGetAsync(StateKeys.ResponseCache + key), ct).ConfigureAwait(false);
        if (!r.Ok) return CacheRead.Unavailable;
        return r.Value.IsNull ? CacheRead.Miss : CacheRead.Hit((byte[])r.Value!);
    }

    public async ValueTask<bool> SetAsync(string key, ReadOnlyMemory<byte> value, TimeSpan ttl, CancellationToken ct = default)
    {
        if (ttl <= TimeSpan.Zero) return false;
        var r = await connection.ExecuteAsync("response-cache set", db => db.StringSetAsync(StateKeys.ResponseCache + key, value, ttl), ct).ConfigureAwait(false);
        return r is { Ok: true, Value: true };
    }
}
