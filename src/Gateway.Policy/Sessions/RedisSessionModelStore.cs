using System.Text.Json;
using Gateway.State;
using Gateway.Policy.Sessions;
using StackExchange.Redis;

namespace Gateway.Policy.Sessions;

/// <summary>
/// <see cref="ISessionModelStore"/> in Redis (keys <c>cg:v1:sess:KEY</c>, JSON values, TTL refreshed by every write), so sticky routing
/// holds across a fleet. Every write also goes to a local <see cref="InMemorySessionModelStore"/>, which answers while Redis is down
/// (fail-open: a session stays sticky on the instance that served it).
/// <para>
/// The Policy interface is synchronous (the routing step runs inside the synchronous pipeline), so a read waits for Redis, bounded by
/// the operation timeout, and not at all while Redis is known to be down; writes are fire-and-forget. <see cref="GetAsync"/> and
/// <see cref="SetAsync"/> are the async forms for callers that can await.
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

    public bool TryGet(string key, out SessionModel model)
    {
        if (_connection.IsAvailable)
        {
            var r = _connection.Execute("session get", db => db.StringGetAsync(StateKeys.SessionModel + key));
            if (r.Ok)
            {
                if (Deserialize(r.Value) is not { } found) return _local.TryGet(key, out model) && Republish(key, model);
                model = found;
                return true;
            }
        }
        return _local.TryGet(key, out model);
    }

    public void Set(string key, SessionModel model)
    {
        _local.Set(key, model);
        var value = Serialize(model);
        _connection.FireAndForget("session set", db => db.StringSet(StateKeys.SessionModel + key, value, Ttl, flags: CommandFlags.FireAndForget));
    }

    /// <summary>The session's model: Redis first, the local copy when Redis cannot answer; null when neither knows it.</summary>
    public async ValueTask<SessionModel?> GetAsync(string key, CancellationToken ct = default)
    {
        var r = await ReadAsync(key, ct).ConfigureAwait(false);
        if (r is { Ok: true, Value: not null }) return r.Value;
        return _local.TryGet(key, out var m) ? m : null;
    }

    public async ValueTask SetAsync(string key, SessionModel model, CancellationToken ct = default)
    {
        _local.Set(key, model);
        var value = Serialize(model);
        await _connection.ExecuteAsync("session set", db => db.StringSetAsync(StateKeys.SessionModel + key, value, Ttl), ct).ConfigureAwait(false);
    }

    private async ValueTask<RedisOutcome<SessionModel?>> ReadAsync(string key, CancellationToken ct)
    {
        var r = await _connection.ExecuteAsync("session get", db => db.StringGetAsync(StateKeys.SessionModel + key), ct).ConfigureAwait(false);
        if (!r.Ok) return RedisOutcome<SessionModel?>.Failed;
        return new RedisOutcome<SessionModel?>(true, Deserialize(r.Value));
    }

    /// <summary>
    /// Redis lost the key (restarted empty, evicted) but this instance remembers it: keep serving the local copy and write it back,
    /// so the rest of the fleet sees it again.
    /// </summary>
    private bool Republish(string key, SessionModel model)
    {
        var value = Serialize(model);
        _connection.FireAndForget("session set", db => db.StringSet(StateKeys.SessionModel + key, value, Ttl, flags: CommandFlags.FireAndForget));
        return true;
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
