using System.Collections.Concurrent;
using System.Text.Json;

namespace Gateway.Simulator.Caching;

/// <summary>
/// The simulated prompt cache, shared by all requests of one simulator (thread-safe, bounded).
/// Rules, from the prompt caching docs (platform.claude.com/docs/en/build-with-claude/prompt-caching):
///  1. breakpoints whose prefix is shorter than the model's minimum cacheable length are ignored (no error);
///  2. reads: from each breakpoint, check at most 20 positions (the breakpoint itself first) walking back one
///     block at a time for an entry a prior request wrote; the first found is that window's hit; A = the highest hit;
///  3. writes happen only at breakpoints: every breakpoint after A writes one entry with its own TTL;
///  4. billing ("Mixing different TTLs"): read A; 1h writes B - A where B is the last 1h breakpoint after A;
///     5m writes C - B where C is the last breakpoint; input_tokens = total - C;
///  5. TTL: 5 minutes or 1 hour from the start of the request that wrote or last read the entry; a hit refreshes it;
///     an expired entry misses.
/// </summary>
internal sealed class PromptCache(TimeProvider time, int capacity)
{
    private readonly ConcurrentDictionary<UInt128, Entry> _entries = new();
    private readonly Lock _sweep = new();
    private int _count;
    private long _hits, _misses, _readTokens, _writtenTokens;

    /// <summary>Accounts one request: reads, writes and the usage to report.</summary>
    public CacheUsage Account(PromptLayout layout, SimulatedModel model, string apiKey)
    {
        var total = layout.TotalTokens;
        // 1. Breakpoints that reach the minimum (prefixes only grow, so this is a suffix of the list).
        var breakpoints = layout.Breakpoints.Where(b => layout.PrefixTokens(b.Block) >= model.MinCacheableTokens).ToList();
        if (breakpoints.Count == 0) return CacheUsage.Uncached(total);

        var now = time.GetUtcNow().UtcTicks;
        var keys = PrefixHasher.Keys(layout, apiKey, model.CanonicalId, breakpoints[^1].Block);

        // 2. Reads.
        var hit = -1;
        foreach (var bp in breakpoints)
        {
            for (var p = bp.Block; p > bp.Block - PromptLayout.LookbackBlocks && p >= 0; p--)
            {
                if (!_entries.TryGetValue(keys[p], out var entry)) continue;
                if (!entry.Touch(now)) continue;
                hit = Math.Max(hit, p);
                break;
            }
        }

        // 3. Writes.
        foreach (var bp in breakpoints)
            if (bp.Block > hit) Put(keys[bp.Block], new Entry(now, bp.Ttl));

        // 4. Billing positions.
        var posA = hit >= 0 ? layout.PrefixTokens(hit) : 0;
        var last1h = breakpoints.FindLastIndex(x => x.OneHour && x.Block > hit);
        var posB = last1h >= 0 ? layout.PrefixTokens(breakpoints[last1h].Block) : posA;
        var posC = Math.Max(posA, layout.PrefixTokens(breakpoints[^1].Block));
        var usage = new CacheUsage(total - posC, posA, posC - posB, posB - posA);

        Interlocked.Increment(ref hit >= 0 ? ref _hits : ref _misses);
        Interlocked.Add(ref _readTokens, usage.CacheReadTokens);
        Interlocked.Add(ref _writtenTokens, usage.CacheCreationTokens);
        return usage;
    }

    public void Clear()
    {
        lock (_sweep)
        {
            _entries.Clear();
            Interlocked.Exchange(ref _count, 0);
            Interlocked.Exchange(ref _hits, 0);
            Interlocked.Exchange(ref _misses, 0);
            Interlocked.Exchange(ref _readTokens, 0);
            Interlocked.Exchange(ref _writtenTokens, 0);
        }
    }

    /// <summary><c>GET /_sim/cache</c>: live entries and counters since the last clear (a request with a usable breakpoint is a hit when it read anything).</summary>
    public void WriteStats(Utf8JsonWriter w)
    {
        var now = time.GetUtcNow().UtcTicks;
        w.WriteStartObject();
        w.WriteNumber("entries", _entries.Count(e => e.Value.ExpiresTicks > now));
        w.WriteNumber("hits", Interlocked.Read(ref _hits));
        w.WriteNumber("misses", Interlocked.Read(ref _misses));
        w.WriteNumber("read_tokens", Interlocked.Read(ref _readTokens));
        w.WriteNumber("written_tokens", Interlocked.Read(ref _writtenTokens));
        w.WriteNumber("capacity", capacity);
        w.WriteEndObject();
    }

    private void Put(UInt128 key, Entry entry)
    {
        if (_entries.TryAdd(key, entry)) Interlocked.Increment(ref _count);
        else _entries[key] = entry;
        if (Volatile.Read(ref _count) > capacity) Evict();
    }

    /// <summary>Over capacity: drop expired entries, then the ones expiring soonest, down to 90%.</summary>
    private void Evict()
    {
        if (!_sweep.TryEnter()) return;
        try
        {
            var now = time.GetUtcNow().UtcTicks;
            foreach (var (key, entry) in _entries)
                if (entry.ExpiresTicks <= now && _entries.TryRemove(key, out _)) Interlocked.Decrement(ref _count);
            var excess = Volatile.Read(ref _count) - capacity * 9 / 10;
            if (excess <= 0) return;
            foreach (var (key, _) in _entries.ToArray().OrderBy(e => e.Value.ExpiresTicks).Take(excess))
                if (_entries.TryRemove(key, out _)) Interlocked.Decrement(ref _count);
        }
        finally
        {
            _sweep.Exit();
        }
    }

    private sealed class Entry(long now, TimeSpan ttl)
    {
        private long _expires = now + ttl.Ticks;

        public long ExpiresTicks => Volatile.Read(ref _expires);

        /// <summary>A hit when not expired; refreshes the lifetime from this request's start ("refreshed ... each time the cached content is used").</summary>
        public bool Touch(long now)
        {
            var expires = Volatile.Read(ref _expires);
            if (expires <= now) return false;
            var refreshed = now + ttl.Ticks;
            while (refreshed > expires)
            {
                var seen = Interlocked.CompareExchange(ref _expires, refreshed, expires);
                if (seen == expires) break;
                expires = seen;
            }
            return true;
        }
    }
}
