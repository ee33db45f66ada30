using Gateway.State;
using Gateway.Economy.Tests.Support;

namespace Gateway.Economy.Tests.State;

public sealed class RedisHealthTests
{
    [Fact]
    public void RecordFailure_WarnsOncePerInterval_AndCountsEveryFailure()
    {
        var time = new ManualTime(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var health = new RedisHealth(TimeSpan.FromSeconds(30), () => false, time);
        Assert.Null(health.LastFailure);

        Assert.True(health.RecordFailure(out var suppressed));
        Assert.Equal(0, suppressed);
        for (var i = 0; i < 9; i++)
        {
            time.Advance(TimeSpan.FromSeconds(3));
            Assert.False(health.RecordFailure(out _));
        }
        time.Advance(TimeSpan.FromSeconds(3)); // 30 s after the first warning
        Assert.True(health.RecordFailure(out suppressed));
        Assert.Equal(9, suppressed);

        Assert.Equal(11, health.Failures);
        Assert.Equal(2, health.WarningsLogged);
        Assert.Equal(time.GetUtcNow(), health.LastFailure);
        Assert.False(health.IsAvailable);
    }

    [Fact]
    public async Task RecordFailure_Concurrent_OneWarning()
    {
        var health = new RedisHealth(TimeSpan.FromMinutes(1), () => false);
        var warnings = 0;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(worker => Task.Run(() =>
        {
            for (var i = 0; i < 1000; i++)
                if (health.RecordFailure(out _)) Interlocked.Increment(ref warnings);
        })));
        Assert.Equal(1, warnings);
        Assert.Equal(8000, health.Failures);
    }
}
