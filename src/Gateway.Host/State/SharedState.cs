using Gateway.Economy.Cache;
using Gateway.Economy.Prompt;
using Gateway.Policy.Sessions;
using Gateway.State.Thinking;
using Gateway.Core.Translation;
using Gateway.State;
using Microsoft.Extensions.Logging;

namespace Gateway.Host.State;

/// <summary>
/// The gateway's shared state in one place for the host's composition: with <c>REDIS_URL</c> set, the Redis stores over one
/// <see cref="RedisConnection"/>; unset, their in-memory twins (the embedded default). Either way every store is fail-open.
/// </summary>
public sealed class SharedState : IAsyncDisposable
{
    private SharedState(RedisConnection? redis, IResponseCacheStore responses, ISessionModelStore sessions, IPrefixHashStore prefixes, IThinkingStore thinking)
    {
        Redis = redis;
        ResponseCacheStore = responses;
        SessionModels = sessions;
        PrefixHashes = prefixes;
        Thinking = thinking;
    }

    /// <summary>Stores for <paramref name="redisUrl"/> (null or blank: in memory). Never waits for Redis.</summary>
    /// <exception cref="FormatException">The URL is malformed (the message does not repeat it, so it never shows a password).</exception>
    public static SharedState Create(string? redisUrl, ILoggerFactory? loggers = null, RedisSettings? settings = null, TimeProvider? time = null)
    {
        if (string.IsNullOrWhiteSpace(redisUrl))
            return new SharedState(null, new InMemoryResponseCacheStore(time: time), new InMemorySessionModelStore(time: time), new InMemoryPrefixHashStore(time: time),
                new InMemoryThinkingStore());
        var redis = new RedisConnection(RedisUrl.Parse(redisUrl), settings, loggers?.CreateLogger<RedisConnection>(), time);
        return new SharedState(redis, new RedisResponseCacheStore(redis), new RedisSessionModelStore(redis, time: time), new RedisPrefixHashStore(redis),
            new RedisThinkingStore(redis, time: time));
    }

    /// <summary>The Redis connection; null in memory mode.</summary>
    public RedisConnection? Redis { get; }

    /// <summary>Redis health for metrics and the admin endpoint; null in memory mode.</summary>
    public RedisHealth? Health => Redis?.Health;

    /// <summary><c>redis host:port/db</c> or <c>memory</c>: safe to log and show.</summary>
    public string Backend => Redis is null ? "memory" : "redis " + Redis.Url.Display;

    public IResponseCacheStore ResponseCacheStore { get; }
    public ISessionModelStore SessionModels { get; }
    public IPrefixHashStore PrefixHashes { get; }

    /// <summary>Thinking blocks by tool-call id, so a follow-up on any replica can send them back (extended thinking needs them).</summary>
    public IThinkingStore Thinking { get; }

    public ValueTask DisposeAsync() => Redis?.DisposeAsync() ?? ValueTask.CompletedTask;
}
