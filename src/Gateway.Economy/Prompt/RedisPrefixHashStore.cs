using Gateway.State;
using Gateway.Economy.Prompt;
using StackExchange.Redis;

namespace Gateway.Economy.Prompt;

/// <summary>
/// <see cref="IPrefixHashStore"/> in Redis: one key per remembered prefix, <c>cg:v1:prefix:SCOPE:HASH</c>, expiring with the prompt
/// cache entry it stands for, so every instance of a fleet places breakpoints where any of them wrote. Fail-open: when Redis cannot
/// answer, a prefix is "not seen" and remembering does nothing (the planner then falls back to its own placement).
/// </summary>
public sealed class RedisPrefixHashStore(RedisConnection connection) : IPrefixHashStore
{
    // Extend, never shorten: a 5-minute write after a 1-hour one must not cut the 1-hour entry short (like the in-memory store's max).
    private const string RememberScript = """
        local ttl = tonumber(ARGV[1])
        if redis.call('PTTL', KEYS[1]) < ttl then redis.call('SET', KEYS[1], '1', 'PX', ttl) end
        return 1
        """;

    public async ValueTask<bool> SeenAsync(string scope, string prefixHash)
    {
        var key = Key(scope, prefixHash);
        var r = await connection.ExecuteAsync("prefix seen", db => db.KeyExistsAsync(key), CancellationToken.None).ConfigureAwait(false);
        return r is { Ok: true, Value: true };
    }

    public async ValueTask RememberAsync(string scope, string prefixHash, TimeSpan ttl)
    {
        if (ttl <= TimeSpan.Zero) return;
        var key = Key(scope, prefixHash);
        var ms = (long)Math.Ceiling(ttl.TotalMilliseconds);
        await connection.ExecuteAsync("prefix remember",
            db => db.ScriptEvaluateAsync(RememberScript, [key], [ms]), CancellationToken.None).ConfigureAwait(false);
    }

    private static RedisKey Key(string scope, string prefixHash)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(prefixHash);
        return StateKeys.PrefixHash + scope + ":" + prefixHash;
    }
}
