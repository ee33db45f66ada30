using System.Collections.Concurrent;

namespace Gateway.Economy.Prompt;

/// <summary>
/// <see cref="IPrefixHashStore"/> in process memory (the embedded default when <c>REDIS_URL</c> is unset): entries expire
/// at their TTL, and at most <see cref="Capacity"/> are kept (over it: expired entries are swept, then the soonest-expiring,
/// down to 90%). Thread-safe; never throws for valid arguments.
/// </summary>
public sealed class InMemoryPrefixHashStore : IPrefixHashStore
{
    private readonly ConcurrentDictionary<(string Scope, string Hash), long> _expires = new();
    private readonly TimeProvider _time;
    private readonly Lock _sweep = new();

    public InMemoryPrefixHashStore(int capacity = 100_000, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        _time = time ?? TimeProvider.System;
    }

    public int Capacity { get; }

    /// <summary>Entries held now (expired ones included until the next sweep).</summary>
    public int Count => _expires.Count;

    public ValueTask<bool> SeenAsync(string scope, string prefixHash)
    {
        var now = _time.GetUtcNow().UtcTicks;
        return ValueTask.FromResult(_expires.TryGetValue((scope, prefixHash), out var until) && until > now);
    }

    public ValueTask RememberAsync(string scope, string prefixHash, TimeSpan ttl)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(prefixHash);
        var until = _time.GetUtcNow().UtcTicks + ttl.Ticks;
        _expires.AddOrUpdate((scope, prefixHash), until, (_, old) => Math.Max(old, until));
        if (_expires.Count > Capacity) Sweep();
        return ValueTask.CompletedTask;
    }

    private void Sweep()
    {
        if (!_sweep.TryEnter()) return; // another thread is sweeping
        try
        {
            var now = _time.GetUtcNow().UtcTicks;
            foreach (var (key, until) in _expires)
                if (until <= now) _expires.TryRemove(key, out _);
            var excess = _expires.Count - Capacity * 9 / 10;
            if (excess <= 0) return;
            foreach (var (key, _) in _expires.ToArray().OrderBy(e => e.Value).Take(excess))
                _expires.TryRemove(key, out _);
        }
        finally
        {
            _sweep.Exit();
        }
    }
}
