using System.Collections.Concurrent;

namespace Gateway.Policy.Sessions;

/// <summary>
/// <see cref="ISessionModelStore"/> in process memory: entries expire <see cref="Ttl"/> after their last write (every request of a
/// session refreshes it), and at most <see cref="Capacity"/> entries are kept (expired ones are swept first, then the least recently
/// written). Thread-safe.
/// </summary>
public sealed class InMemorySessionModelStore : ISessionModelStore
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly object _sweepLock = new();

    public InMemorySessionModelStore(int capacity = 50_000, TimeSpan? ttl = null, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        Ttl = ttl ?? TimeSpan.FromHours(6);
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The process-wide store used when the host passes none.</summary>
    public static InMemorySessionModelStore Shared { get; } = new();

    public int Capacity { get; }
    public TimeSpan Ttl { get; }

    /// <summary>Entries held now (expired ones included until the next sweep).</summary>
    public int Count => _entries.Count;

    /// <summary>The remembered model of <paramref name="key"/>, if any and not expired (synchronous: it is all in memory).</summary>
    public bool TryGet(string key, out SessionModel model) => TryGet(key, out model, out _);

    /// <summary>Always completes synchronously.</summary>
    public ValueTask<SessionModel?> GetAsync(string key, CancellationToken ct = default) =>
        new(TryGet(key, out var model) ? model : null);

    public void Set(string key, SessionModel model) => Set(key, model, 0);

    /// <summary><see cref="TryGet(string, out SessionModel)"/>, with the tag the entry was written with.</summary>
    internal bool TryGet(string key, out SessionModel model, out long tag)
    {
        if (_entries.TryGetValue(key, out var e) && e.ExpiresAt > _time.GetUtcNow())
        {
            model = e.Model;
            tag = e.Tag;
            return true;
        }
        model = null!;
        tag = 0;
        return false;
    }

    /// <summary><see cref="Set(string, SessionModel)"/> with a tag the owner reads back (the Redis store: when it last published the entry).</summary>
    internal void Set(string key, SessionModel model, long tag)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(model);
        var now = _time.GetUtcNow();
        _entries[key] = new Entry(model, now + Ttl, now.UtcTicks, tag);
        if (_entries.Count > Capacity) Sweep(now);
    }

    /// <summary>Changes the tag of an entry still holding <paramref name="model"/>, keeping its lifetime (false when it changed or went).</summary>
    internal bool Retag(string key, SessionModel model, long tag)
    {
        if (!_entries.TryGetValue(key, out var e) || !ReferenceEquals(e.Model, model)) return false;
        return _entries.TryUpdate(key, e with { Tag = tag }, e);
    }

    private void Sweep(DateTimeOffset now)
    {
        if (!Monitor.TryEnter(_sweepLock)) return; // another thread is sweeping
        try
        {
            foreach (var (k, e) in _entries)
                if (e.ExpiresAt <= now) _entries.TryRemove(k, out _);
            var excess = _entries.Count - Capacity;
            if (excess <= 0) return;
            // Drop the least recently written, plus 10% head room so the next writes do not sweep again at once.
            var drop = excess + Capacity / 10;
            foreach (var (k, _) in _entries.OrderBy(kv => kv.Value.WrittenTicks).Take(drop).ToList())
                _entries.TryRemove(k, out _);
        }
        finally { Monitor.Exit(_sweepLock); }
    }

    private sealed record Entry(SessionModel Model, DateTimeOffset ExpiresAt, long WrittenTicks, long Tag);
}
