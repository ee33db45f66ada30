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
/// <see cref="Save"/> runs on the response path, so writes are fire-and-forget (write-behind): the command is handed to the connection
/// before the translator writes the finish chunk, hence before the client can send the follow-up, and Redis runs it before a read that
/// arrives later. <see cref="GetAsync"/> answers from the local copy synchronously; a local miss reads Redis, awaited and bounded by
/// the operation timeout, and not at all while Redis is known to be down. Nothing here blocks the calling thread.
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

    public ValueTask<StoredThinking?> GetAsync(string toolCallId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(toolCallId);
        if (_local.TryGet(toolCallId, out var local)) return new(local);
        if (toolCallId.Length > MaxSharedIdLength || !_connection.IsAvailable) return new((StoredThinking?)null);
        return ReadAsync(toolCallId, ct);
    }

    /// <summary>
    /// A local miss: Redis, awaited within the operation timeout. Null when Redis failed open, has no entry, or holds a value not ours.
    /// A hit was written by another replica: keep a local copy for the rest of the session, expiring when the Redis entry does.
    /// </summary>
    private async ValueTask<StoredThinking?> ReadAsync(string toolCallId, CancellationToken ct)
    {
        var r = await _connection.ExecuteAsync("thinking get", db => db.StringGetWithExpiryAsync(Key(toolCallId)), ct).ConfigureAwait(false);
        if (!r.Ok || r.Value.Value.IsNull || Deserialize(r.Value.Value) is not { } thinking) return null;
        _local.Set(toolCallId, thinking, r.Value.Expiry ?? Ttl);
        return thinking;
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
