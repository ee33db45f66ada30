using System.Collections.Concurrent;
using System.Diagnostics;
using Gateway.Host.Policies;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Host.Tests.Policies;

/// <summary>
/// The pass that frees retired rule assemblies: one settle time after a swap, at most one per settle time however many
/// swaps come, and always one after the last swap (its old snapshot may have been serving until then).
/// </summary>
public sealed class RetiredRuleCollectorTests
{
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(300);

    [Fact]
    public async Task BurstOfSwaps_ThrottledPasses_ThenQuiet()
    {
        var passes = new ConcurrentQueue<long>();
        using var collector = new RetiredRuleCollector(Settle, () => passes.Enqueue(Stopwatch.GetTimestamp()), NullLogger.Instance);

        for (var i = 0; i < 20; i++) collector.NoteSwap();
        Assert.True(await Eventually(() => !passes.IsEmpty), "no pass after the burst");
        await Quiet(passes);
        // One pass, or two when the burst straddled the start of the first wait: never one per swap.
        Assert.InRange(passes.Count, 1, 2);

        var before = passes.Count;
        collector.NoteSwap();
        Assert.True(await Eventually(() => passes.Count > before), "no pass after a later swap");
        await Quiet(passes);
        Assert.Equal(before + 1, passes.Count);
        Assert.Equal(passes.Count, collector.Passes);
    }

    [Fact]
    public async Task StreamOfSwaps_PassesWhileItLasts_AtMostOnePerSettle_AndOneAfterTheLast()
    {
        var passes = new ConcurrentQueue<long>();
        using var collector = new RetiredRuleCollector(Settle, () => passes.Enqueue(Stopwatch.GetTimestamp()), NullLogger.Instance);

        var started = Stopwatch.GetTimestamp();
        var swaps = 0;
        while (Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(2.5))
        {
            collector.NoteSwap();
            swaps++;
            await Task.Delay(20);
        }
        var lastSwap = Stopwatch.GetTimestamp();
        var duringStream = passes.Count;
        Assert.True(await Eventually(() => passes.Any(p => p > lastSwap)), "no pass after the last swap");
        await Quiet(passes);

        Assert.True(duringStream >= 1, "no pass while swaps kept coming: retired assemblies would pile up under continuous reloads");
        // Throttled: far fewer passes than swaps (each pass waits a whole settle time after the one before it started).
        var elapsed = Stopwatch.GetElapsedTime(started);
        Assert.True(passes.Count <= elapsed / Settle + 1, $"{passes.Count} passes in {elapsed.TotalMilliseconds:0} ms for {swaps} swaps");
    }

    [Fact]
    public async Task Disposed_NoPass()
    {
        var passes = 0;
        var collector = new RetiredRuleCollector(Settle, () => Interlocked.Increment(ref passes), NullLogger.Instance);
        collector.NoteSwap();
        collector.Dispose();
        await Task.Delay(Settle * 3);
        Assert.Equal(0, Volatile.Read(ref passes));
    }

    /// <summary>Waits until no pass has run for three settle times.</summary>
    private static async Task Quiet(ConcurrentQueue<long> passes)
    {
        var count = passes.Count;
        var quietSince = Stopwatch.GetTimestamp();
        var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 60;
        while (Stopwatch.GetElapsedTime(quietSince) < Settle * 3 && Stopwatch.GetTimestamp() < deadline)
        {
            await Task.Delay(50);
            if (passes.Count != count) { count = passes.Count; quietSince = Stopwatch.GetTimestamp(); }
        }
    }

    private static async Task<bool> Eventually(Func<bool> condition)
    {
        var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 30;
        while (Stopwatch.GetTimestamp() < deadline)
        {
            if (condition()) return true;
            await Task.Delay(20);
        }
        return condition();
    }
}
