namespace Gateway.State;

/// <summary>
/// The health of the shared Redis connection, for metrics and the admin endpoint: how many store operations failed open, when the
/// last did, and whether Redis is usable now. Thread-safe; also decides when a failure is worth a warning (at most one per interval).
/// </summary>
public sealed class RedisHealth
{
    private readonly TimeProvider _time;
    private readonly TimeSpan _warningInterval;
    private readonly Func<bool> _isAvailable;
    private long _failures;
    private long _lastFailureTicks; // UTC ticks; 0: never
    private long _lastWarningTicks; // UTC ticks; 0: never
    private long _failuresAtLastWarning;
    private long _warnings;

    internal RedisHealth(TimeSpan warningInterval, Func<bool> isAvailable, TimeProvider? time = null)
    {
        _warningInterval = warningInterval;
        _isAvailable = isAvailable;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Store operations that failed open (Redis down, slow, or erroring) since start.</summary>
    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>When the last operation failed open; null if none has.</summary>
    public DateTimeOffset? LastFailure
    {
        get
        {
            var t = Interlocked.Read(ref _lastFailureTicks);
            return t == 0 ? null : new DateTimeOffset(t, TimeSpan.Zero);
        }
    }

    /// <summary>Connected and not cooling down after a timeout: operations go to Redis now.</summary>
    public bool IsAvailable => _isAvailable();

    /// <summary>Warnings logged (at most one per interval).</summary>
    public long WarningsLogged => Interlocked.Read(ref _warnings);

    /// <summary>
    /// Counts one failure. True when it should be logged (the first, or the first after the interval), with the failures since the
    /// previous warning that were not logged in <paramref name="suppressed"/>.
    /// </summary>
    internal bool RecordFailure(out long suppressed)
    {
        var now = _time.GetUtcNow().UtcTicks;
        var total = Interlocked.Increment(ref _failures);
        Interlocked.Exchange(ref _lastFailureTicks, now);
        suppressed = 0;
        var last = Interlocked.Read(ref _lastWarningTicks);
        if (last != 0 && now - last < _warningInterval.Ticks) return false;
        if (Interlocked.CompareExchange(ref _lastWarningTicks, now, last) != last) return false; // another thread warns
        var before = Interlocked.Exchange(ref _failuresAtLastWarning, total);
        suppressed = Math.Max(0, total - before - 1);
        Interlocked.Increment(ref _warnings);
        return true;
    }
}
