using System.Collections.Concurrent;

namespace Gateway.State;

/// <summary>
/// The in-memory twin of a Redis keyspace: entries with a TTL each, bounded by entry count and by total size (the caller says what an
/// entry weighs). Over a bound, expired entries are swept first, then the least recently written, plus 10% head room so the next
/// writes do not sweep again at once. Thread-safe.
/// </summary>
internal sealed class BoundedTtlMap<TValue>
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly object _sweepLock = new();
    private readonly Func<TValue, long> _weigh;
    private long _weight;
    private long _writes;

    public BoundedTtlMap(int maxEntries, long maxWeight, Func<TValue, long>? weigh = null, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEntries, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxWeight, 1);
        MaxEntries = maxEntries;
        MaxWeight = maxWeight;
        _weigh = weigh ?? (_ => 1);
        _time = time ?? TimeProvider.System;
    }

    public int MaxEntries { get; }
    public long MaxWeight { get; }
    public int Count => _entries.Count;
    public long Weight => Interlocked.Read(ref _weight);

    public bool TryGet(string key, out TValue value)
    {
        if (_entries.TryGetValue(key, out var e))
        {
            if (e.ExpiresAt > _time.GetUtcNow())
            {
                value = e.Value;
                return true;
            }
            Remove(key, e);
        }
        value = default!;
        return false;
    }

    /// <summary>Stores <paramref name="value"/> for <paramref name="ttl"/>; false (not stored) when the value alone outweighs the bound.</summary>
    public bool Set(string key, TValue value, TimeSpan ttl)
    {
        var weight = _weigh(value);
        if (weight > MaxWeight || ttl <= TimeSpan.Zero) return false;
        var entry = new Entry(value, _time.GetUtcNow() + ttl, Interlocked.Increment(ref _writes), weight);
        while (true)
        {
            if (_entries.TryGetValue(key, out var old))
            {
                if (!_entries.TryUpdate(key, entry, old)) continue;
                Interlocked.Add(ref _weight, entry.Weight - old.Weight);
                break;
            }
            if (!_entries.TryAdd(key, entry)) continue;
            Interlocked.Add(ref _weight, entry.Weight);
            break;
        }
        if (_entries.Count > MaxEntries || Weight > MaxWeight) Sweep();
        return true;
    }

    private void Remove(string key, Entry e)
    {
        if (_entries.TryRemove(new KeyValuePair<string, Entry>(key, e))) Interlocked.Add(ref _weight, -e.Weight);
    }

    private void Sweep()
    {
        if (!Monitor.TryEnter(_sweepLock)) return; // another thread is sweeping
        try
        {
            var now = _time.GetUtcNow();
            foreach (var (k, e) in _entries)
                if (e.ExpiresAt <= now) Remove(k, e);
            if (_entries.Count <= MaxEntries && Weight <= MaxWeight) return;
            var entryTarget = MaxEntries - MaxEntries / 10;
            var weightTarget = MaxWeight - MaxWeight / 10;
            foreach (var (k, e) in _entries.OrderBy(kv => kv.Value.Order).ToList())
            {
                if (_entries.Count <= entryTarget && Weight <= weightTarget) break;
                Remove(k, e);
            }
        }
        finally { Monitor.Exit(_sweepLock); }
    }

    private sealed record Entry(TValue Value, DateTimeOffset ExpiresAt, long Order, long Weight);
}
