using System.Text.Json;
using Gateway.State;
using Gateway.Core.Translation;
using StackExchange.Redis;

namespace Gateway.State.Thinking;

/// <summary>
/// <see cref="IThinkingStore"/> in Redis (keys <c>cg:v1:think:TOOL_CALL_ID</c>, JSON values, <see cref="Ttl"/>), so a follow-up request
/// that a load balancer sends to another replica still gets its thinking blocks back instead of having thinking turned off.
/// Every write also goes to a bounded local copy, which answers first (the blocks for a tool-call id never change) and alone while
/// Redis is down (fail-open: thinking survives on the replica that served the tool call).
/// <para>
/// The core's interface is synchronous and <see cref="Save"/> runs on the response path, so writes are fire-and-forget: the command is
/// handed to the connection before the translator writes the finish chunk, hence before the client can send the follow-up, and
/// Redis runs it before a read that arrives later. A read that misses locally waits for Redis, bounded by the operation timeout,
/// and not at all while Redis is known to be down.
/// </para>
/// </summary>
public sealed class RedisThinkingStore : IThinkingStore
{
    /// <summary>Thinking is only needed while the agent session is alive: a tool result comes back within minutes, rarely an hour.</summary>
    public static readonly TimeSpan DefaultTtl = TimeSpan.FromHours(1);

    /// <summary>
    /// Tool-call ids the gateway hands out are short (<c>toolu_</c> and 24 characters); a longer one did not come from a response of
    /// ours, so it is neither written to nor looked up in Redis (no key as large as a client cares to send).
    /// </summary>
    internal const int MaxSharedIdLength = 256;

    private readonly RedisConnection _connection;
    private readonly BoundedTtlMap<StoredThinking> _local;

    /// <param name="localMaxChars">Bound on the characters the local copy holds (thinking text, signatures, redacted data).</param>
    public RedisThinkingStore(RedisConnection connection, TimeSpan? ttl = null, int localCapacity = 10_000, long localMaxChars = 32L * 1024 * 1024,
        TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _connection = connection;
        Ttl = ttl ?? DefaultTtl;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Ttl, TimeSpan.Zero, nameof(ttl));
        _local = new BoundedTtlMap<StoredThinking>(localCapacity, localMaxChars, Weigh, time);
    }

    public TimeSpan Ttl { get; }

    public void Save(string toolCallId, StoredThinking thinking)
    {
        ArgumentNullException.ThrowIfNull(toolCallId);
        ArgumentNullException.ThrowIfNull(thinking);
        _local.Set(toolCallId, thinking, Ttl);
        if (toolCallId.Length > MaxSharedIdLength) return;
        var value = JsonSerializer.SerializeToUtf8Bytes(StoredThinkingValue.From(thinking), ThinkingJsonContext.Default.StoredThinkingValue);
        _connection.FireAndForget("thinking save", db => db.StringSet(Key(toolCallId), value, Ttl, flags: CommandFlags.FireAndForget));
    }

    public bool TryGet(string toolCallId, out StoredThinking? thinking)
    {
        ArgumentNullException.ThrowIfNull(toolCallId);
        if (_local.TryGet(toolCallId, out var local))
        {
            thinking = local;
            return true;
        }
        thinking = null;
        if (toolCallId.Length > MaxSharedIdLength || !_connection.IsAvailable) return false;
        if (Read(toolCallId) is not { } hit) return false;
        // Another replica wrote it: keep a local copy for the rest of the session, expiring when the Redis entry does.
        _local.Set(toolCallId, hit.Thinking, hit.Remaining ?? Ttl);
        thinking = hit.Thinking;
        return true;
    }

    /// <summary>The stored thinking and its remaining lifetime; null when Redis failed open, has no entry, or holds a value not ours.</summary>
    private (StoredThinking Thinking, TimeSpan? Remaining)? Read(string toolCallId)
    {
        var r = _connection.Execute("thinking get", db => db.StringGetWithExpiryAsync(Key(toolCallId)));
        if (!r.Ok || r.Value.Value.IsNull) return null;
        return Deserialize(r.Value.Value) is { } thinking ? (thinking, r.Value.Expiry) : null;
    }

    private static RedisKey Key(string toolCallId) => StateKeys.Thinking + toolCallId;

    private static StoredThinking? Deserialize(RedisValue value)
    {
        try
        {
            return JsonSerializer.Deserialize((byte[])value!, ThinkingJsonContext.Default.StoredThinkingValue)?.ToStoredThinking();
        }
        catch (JsonException)
        {
            return null; // a foreign or corrupt value: as if absent
        }
    }

    private static long Weigh(StoredThinking t) =>
        t.Model.Length + t.Blocks.Sum(b => 16L + (b.Thinking?.Length ?? 0) + (b.Signature?.Length ?? 0) + (b.Data?.Length ?? 0));
}
