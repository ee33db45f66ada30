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

    public bool TryGet(string key, out SessionModel model)
    {
        if (_entries.TryGetValue(key, out var e) && e.ExpiresAt > _time.GetUtcNow())
        {
            model = e.Model;
            return true;
        }
        model = null!;
        return false;
    }

    public void Set(string key, SessionModel model)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(model);
        var now = _time.GetUtcNow();
        _entries[key] = new Entry(model, now + Ttl, now.UtcTicks);
        if (_entries.Count > Capacity) Sweep(now);
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

    private sealed record Entry(SessionModel Model, DateTimeOffset ExpiresAt, long WrittenTicks);
}
