namespace Gateway.State;

/// <summary>
/// Timeouts of the shared Redis connection. Short on purpose: Redis only saves money (cache, prefix hashes) or keeps routing sticky
/// across instances, so a slow Redis must cost a request at most <see cref="OperationTimeout"/>, once per <see cref="FailureCooldown"/>.
/// </summary>
public sealed record RedisSettings
{
    /// <summary>One connect attempt.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromMilliseconds(500);
    /// <summary>One command, from issue to reply; then the operation fails open.</summary>
    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromMilliseconds(300);
    /// <summary>After a timeout, operations skip Redis (fail open at once) for this long instead of each waiting out the timeout.</summary>
    public TimeSpan FailureCooldown { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>At most one warning per interval while Redis keeps failing; the failures between are counted, not logged.</summary>
    public TimeSpan WarningInterval { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Reconnect back-off (exponential from the base to the max).</summary>
    public TimeSpan ReconnectBaseDelay { get; init; } = TimeSpan.FromMilliseconds(250);
    public TimeSpan ReconnectMaxDelay { get; init; } = TimeSpan.FromSeconds(5);
}
