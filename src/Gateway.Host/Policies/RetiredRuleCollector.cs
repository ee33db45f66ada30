using Gateway.Policy.Reload;
using Gateway.Policy.Snapshots;

namespace Gateway.Host.Policies;

/// <summary>
/// Frees the rule assemblies a reload retired. Each compiled rule lives in a collectible load context that unloads only
/// when a full (gen 2) collection finds it unreferenced, and a gateway serving steady traffic may go a long time without
/// one: retired contexts (with their JIT code and loader heaps) then pile up and the process grows with every reload.
/// So a while after a swap — time for requests still running on the old snapshot to finish — this asks for a
/// full collection, twice around the finalizers (a context's unload is itself finalizer-driven). Reloads are operator
/// edits, rare next to requests; a burst of them costs at most one pass per settle time.
/// </summary>
internal sealed class RetiredRuleCollector : IHostedService, IDisposable
{
    private readonly PolicyStore? _store;
    private readonly TimeSpan _settle;
    private readonly Action _collect;
    private readonly ILogger _log;
    private long _lastSwapTicks;
    private int _scheduled;
    private volatile bool _stopped;

    public RetiredRuleCollector(PolicyStore store, TimeSpan settle, ILogger<RetiredRuleCollector> log)
        : this(settle, CollectRetiredContexts, log) => _store = store;

    /// <summary>For tests: <paramref name="collect"/> instead of the real collection.</summary>
    internal RetiredRuleCollector(TimeSpan settle, Action collect, ILogger log)
    {
        _settle = settle;
        _collect = collect;
        _log = log;
    }

    private int _passes;

    /// <summary>Passes run so far.</summary>
    public int Passes => Volatile.Read(ref _passes);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_store is not null) _store.Swapped += OnSwapped;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _stopped = true;
        if (_store is not null) _store.Swapped -= OnSwapped;
    }

    private void OnSwapped(PolicySnapshot _) => NoteSwap();

    /// <summary>A swap happened: a pass runs one settle time later (one per settle time however many swaps come).</summary>
    internal void NoteSwap()
    {
        Volatile.Write(ref _lastSwapTicks, Environment.TickCount64);
        if (Interlocked.Exchange(ref _scheduled, 1) == 0) _ = RunAfterSettleAsync();
    }

    private async Task RunAfterSettleAsync()
    {
        try
        {
            var windowStart = Environment.TickCount64;
            await Task.Delay(_settle).ConfigureAwait(false);
            Volatile.Write(ref _scheduled, 0);
            if (_stopped) return;
            _collect();
            Interlocked.Increment(ref _passes);
            // Swaps during the wait retired snapshots that may still have been serving requests: one more pass, a settle
            // time later. So under a stream of reloads a pass runs every settle time, and the last one after it ends.
            if (Volatile.Read(ref _lastSwapTicks) > windowStart && Interlocked.Exchange(ref _scheduled, 1) == 0) _ = RunAfterSettleAsync();
        }
        catch (Exception ex)
        {
            Volatile.Write(ref _scheduled, 0);
            _log.LogWarning(ex, "Collecting retired rule assemblies failed");
        }
    }

    private static void CollectRetiredContexts()
    {
        for (var i = 0; i < 2; i++)
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: false);
            GC.WaitForPendingFinalizers();
        }
    }
}
