using System.Text.Json;
using Gateway.State;
using StackExchange.Redis;

namespace Gateway.Policy.Sessions;

/// <summary>
/// <see cref="ISessionModelStore"/> in Redis (keys <c>cg:v1:sess:KEY</c>, JSON values, TTL refreshed by every write), so sticky routing
/// holds across a fleet. Every write also goes to a local <see cref="InMemorySessionModelStore"/>, which is read first: a session served
/// by this instance is answered from memory, synchronously; only a session this instance does not know (first request here, e.g. after
/// a load balancer moved it) is read from Redis, awaited and bounded by the operation timeout, and not at all while Redis is known to be
/// down (fail-open: the session is then routed as a new one). Writes are fire-and-forget: nothing here ever blocks the calling thread.
/// <para>
/// The local copy remembers the failure count of the connection when it last published the entry: once Redis has failed since (it may
/// have restarted empty, or a write may not have landed), the next read of that entry writes it back, so the rest of the fleet sees it
/// again.
/// </para>
/// </summary>
public sealed class RedisSessionModelStore : ISessionModelStore
{
    private readonly RedisConnection _connection;
    private readonly InMemorySessionModelStore _local;

    public RedisSessionModelStore(RedisConnection connection, TimeSpan? ttl = null, int localCapacity = 50_000, TimeProvider? time = null)
    {
        _connection = connection;
        _local = new InMemorySessionModelStore(localCapacity, ttl, time);
        Ttl = _local.Ttl;
    }

    public TimeSpan Ttl { get; }

    /// <summary>The session's model: the local copy first (synchronous), else Redis (awaited, bounded); null when neither knows it.</summary>
    public ValueTask<SessionModel?> GetAsync(string key, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (_local.TryGet(key, out var local, out var publishedAt))
        {
            if (publishedAt != _connection.Health.Failures) Republish(key, local);
            return new(local);
        }
        if (!_connection.IsAvailable) return new((SessionModel?)null);
        return ReadAsync(key, ct);
    }

    public void Set(string key, SessionModel model)
    {
        // The failure count before the write: a failure from here on (this write's included) makes the next read publish again.
        _local.Set(key, model, _connection.Health.Failures);
        var value = Serialize(model);
        _connection.FireAndForget("session set", db => db.StringSet(StateKeys.SessionModel + key, value, Ttl, flags: CommandFlags.FireAndForget));
    }

    /// <summary>Writes through to Redis and waits for its reply (bounded; fail-open). For callers that need the write to have landed.</summary>
    public async ValueTask SetAsync(string key, SessionModel model, CancellationToken ct = default)
    {
        _local.Set(key, model, _connection.Health.Failures);
        var value = Serialize(model);
        await _connection.ExecuteAsync("session set", db => db.StringSetAsync(StateKeys.SessionModel + key, value, Ttl), ct).ConfigureAwait(false);
    }

    /// <summary>A local miss: Redis, awaited within the operation timeout. A hit is kept locally for the next requests of the session.</summary>
    private async ValueTask<SessionModel?> ReadAsync(string key, CancellationToken ct)
    {
        var failures = _connection.Health.Failures;
        var r = await _connection.ExecuteAsync("session get", db => db.StringGetAsync(StateKeys.SessionModel + key), ct).ConfigureAwait(false);
        if (!r.Ok || Deserialize(r.Value) is not { } found) return null;
        _local.Set(key, found, failures);
        return found;
    }

    /// <summary>
    /// Redis failed since this instance last published the entry (it may have restarted empty, evicted it, or missed the write): keep
    /// serving the local copy and write it back (fire-and-forget), so the rest of the fleet sees it again. Skipped while Redis is down;
    /// the entry is marked published once the write was handed to the connection.
    /// </summary>
    private void Republish(string key, SessionModel model)
    {
        if (!_connection.IsAvailable) return;
        var failures = _connection.Health.Failures;
        var value = Serialize(model);
        if (_connection.FireAndForget("session set", db => db.StringSet(StateKeys.SessionModel + key, value, Ttl, flags: CommandFlags.FireAndForget)))
            _local.Retag(key, model, failures);
    }

    private static byte[] Serialize(SessionModel model) =>
        JsonSerializer.SerializeToUtf8Bytes(StoredSessionModel.From(model), SessionModelJsonContext.Default.StoredSessionModel);

    private static SessionModel? Deserialize(RedisValue value)
    {
        if (value.IsNull) return null;
        try
        {
            return JsonSerializer.Deserialize((byte[])value!, SessionModelJsonContext.Default.StoredSessionModel)?.ToSessionModel();
        }
        catch (JsonException)
        {
            return null; // a foreign or corrupt value: as if absent
        }
    }
}
