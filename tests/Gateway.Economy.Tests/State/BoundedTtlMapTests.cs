using Gateway.Economy.Cache;
using Gateway.State;
using Gateway.Economy.Tests.Support;

namespace Gateway.Economy.Tests.State;

public sealed class BoundedTtlMapTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Set_OverEntryBound_DropsLeastRecentlyWritten()
    {
        var time = new ManualTime(T0);
        var map = new BoundedTtlMap<string>(maxEntries: 10, maxWeight: 1_000, time: time);
        for (var i = 0; i < 11; i++) map.Set("k" + i, "v", TimeSpan.FromHours(1));
        Assert.InRange(map.Count, 1, 10);
        Assert.False(map.TryGet("k0", out _));
        Assert.True(map.TryGet("k10", out _));
    }

    [Fact]
    public void Set_OverWeightBound_DropsOldest_AndRefusesOversizedValue()
    {
        var store = new InMemoryResponseCacheStore(maxEntries: 1000, maxBytes: 1000);
        for (var i = 0; i < 20; i++) Assert.True(store.SetAsync("k" + i, new byte[100], TimeSpan.FromHours(1)).Result);
        Assert.InRange(store.Count, 1, 6); // 164 bytes each with overhead: at most 6 fit in 1000
        Assert.Equal(CacheReadStatus.Hit, store.GetAsync("k19").Result.Status);
        Assert.Equal(CacheReadStatus.Miss, store.GetAsync("k0").Result.Status);
        Assert.False(store.SetAsync("huge", new byte[2000], TimeSpan.FromHours(1)).Result);
    }

    [Fact]
    public void TryGet_AfterTtl_Misses_AndSweepPrefersExpired()
    {
        var time = new ManualTime(T0);
        var map = new BoundedTtlMap<string>(maxEntries: 3, maxWeight: 1_000, time: time);
        map.Set("short", "v", TimeSpan.FromSeconds(1));
        map.Set("long1", "v", TimeSpan.FromHours(1));
        map.Set("long2", "v", TimeSpan.FromHours(1));
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.False(map.TryGet("short", out _));
        map.Set("long3", "v", TimeSpan.FromHours(1));
        map.Set("long4", "v", TimeSpan.FromHours(1));
        Assert.True(map.TryGet("long4", out _));
        Assert.InRange(map.Count, 1, 3);
    }
}
