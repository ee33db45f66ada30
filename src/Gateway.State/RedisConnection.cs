using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Gateway.State;

/// <summary>
/// The process's one Redis connection (one <see cref="ConnectionMultiplexer"/>), used async only, and the fail-open rule every store
/// follows: when Redis is down, slow or erroring, an operation returns "failed" within <see cref="RedisSettings.OperationTimeout"/>
/// (at once when Redis is known to be down), the failure is counted in <see cref="Health"/>, and a warning is logged at most once per
/// <see cref="RedisSettings.WarningInterval"/>. Start-up never waits for Redis, and the multiplexer reconnects by itself
/// (<c>AbortOnConnectFail=false</c>). The password is never logged: logs name the endpoint by <see cref="RedisUrl.Display"/>.
/// </summary>
public sealed partial class RedisConnection : IAsyncDisposable
{
    private readonly ConfigurationOptions _options;
    private readonly RedisSettings _settings;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly object _connectLock = new();
    private volatile ConnectionMultiplexer? _mux;
    private Task? _connecting;
    private long _nextConnectAttemptTicks;
    private long _cooldownUntilTicks;
    private int _disposed;

    public RedisConnection(RedisUrl url, RedisSettings? settings = null, ILogger<RedisConnection>? logger = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(url);
        Url = url;
        _settings = settings ?? new RedisSettings();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
        _options = url.ToConfigurationOptions(_settings);
        Health = new RedisHealth(_settings.WarningInterval, () => IsAvailable, _time);
        StartConnect();
    }

    /// <summary>A connection for <paramref name="redisUrl"/>, or null when it is unset (the in-memory stores serve then).</summary>
    /// <exception cref="FormatException">The URL is malformed (the message does not repeat it).</exception>
    public static RedisConnection? Create(string? redisUrl, RedisSettings? settings = null, ILogger<RedisConnection>? logger = null, TimeProvider? time = null) =>
        string.IsNullOrWhiteSpace(redisUrl) ? null : new RedisConnection(RedisUrl.Parse(redisUrl), settings, logger, time);

    /// <summary>The endpoint (its <see cref="RedisUrl.Display"/> is what logs show).</summary>
    public RedisUrl Url { get; }

    public RedisHealth Health { get; }

    /// <summary>Connected, and not cooling down after a timeout.</summary>
    public bool IsAvailable =>
        _mux is { IsConnected: true } && _time.GetUtcNow().UtcTicks >= Interlocked.Read(ref _cooldownUntilTicks);

    /// <summary>Waits (bounded) until the connection is available; false when <paramref name="timeout"/> passes first. For start-up and tests.</summary>
    public async Task<bool> WaitUntilAvailableAsync(TimeSpan timeout, CancellationToken ct = default)
    {
        var until = _time.GetUtcNow() + timeout;
        while (!IsAvailable)
        {
            if (_time.GetUtcNow() >= until) return false;
            EnsureConnecting();
            await Task.Delay(TimeSpan.FromMilliseconds(50), _time, ct).ConfigureAwait(false);
        }
        return true;
    }

    /// <summary>
    /// Runs <paramref name="command"/> against the database, fail-open: a failed outcome (never an exception) when Redis is unavailable,
    /// the command throws, or no reply comes within the operation timeout. Only <paramref name="ct"/> being cancelled throws.
    /// </summary>
    internal async ValueTask<RedisOutcome<T>> ExecuteAsync<T>(string operation, Func<IDatabase, Task<T>> command, CancellationToken ct)
    {
        var mux = _mux;
        if (mux is null || !IsAvailable)
        {
            EnsureConnecting();
            ReportFailure(operation, "not connected");
            return RedisOutcome<T>.Failed;
        }
        Task<T> task;
        try
        {
            task = command(mux.GetDatabase());
        }
        catch (Exception ex)
        {
            ReportFailure(operation, ex.Message);
            return RedisOutcome<T>.Failed;
        }
        try
        {
            var value = await task.WaitAsync(_settings.OperationTimeout, _time, ct).ConfigureAwait(false);
            return new RedisOutcome<T>(true, value);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            Observe(task);
            throw;
        }
        catch (TimeoutException)
        {
            // Slow Redis: let the next operations skip it for a while instead of each waiting out the timeout.
            Observe(task);
            Interlocked.Exchange(ref _cooldownUntilTicks, (_time.GetUtcNow() + _settings.FailureCooldown).UtcTicks);
            ReportFailure(operation, $"no reply within {_settings.OperationTimeout.TotalMilliseconds:0} ms");
            return RedisOutcome<T>.Failed;
        }
        catch (Exception ex)
        {
            ReportFailure(operation, ex.Message);
            return RedisOutcome<T>.Failed;
        }
    }

    /// <summary>Sends a command without waiting for its reply (fail-open: skipped when Redis is unavailable). False when skipped.</summary>
    internal bool FireAndForget(string operation, Action<IDatabase> command)
    {
        var mux = _mux;
        if (mux is null || !IsAvailable)
        {
            EnsureConnecting();
            ReportFailure(operation, "not connected");
            return false;
        }
        try
        {
            command(mux.GetDatabase());
            return true;
        }
        catch (Exception ex)
        {
            ReportFailure(operation, ex.Message);
            return false;
        }
    }

    private void ReportFailure(string operation, string reason)
    {
        if (!Health.RecordFailure(out var suppressed)) return;
        LogUnavailable(_logger, Url.Display, operation, Scrub(reason), suppressed, (int)_settings.WarningInterval.TotalSeconds);
    }

    /// <summary>Exception messages should not carry the password; make sure.</summary>
    private string Scrub(string reason) =>
        string.IsNullOrEmpty(Url.Password) ? reason : reason.Replace(Url.Password, "***", StringComparison.Ordinal);

    private static void Observe(Task task) =>
        task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    private void StartConnect()
    {
        lock (_connectLock)
        {
            if (_mux is not null || _connecting is { IsCompleted: false } || Volatile.Read(ref _disposed) != 0) return;
            _connecting = ConnectAsync();
        }
    }

    /// <summary>The multiplexer reconnects by itself once created; only a failure to create it at all needs a new attempt (throttled).</summary>
    private void EnsureConnecting()
    {
        if (_mux is not null) return;
        var now = _time.GetUtcNow().UtcTicks;
        var next = Interlocked.Read(ref _nextConnectAttemptTicks);
        if (now < next || Interlocked.CompareExchange(ref _nextConnectAttemptTicks, (_time.GetUtcNow() + _settings.FailureCooldown).UtcTicks, next) != next) return;
        StartConnect();
    }

    private async Task ConnectAsync()
    {
        try
        {
            var mux = await ConnectionMultiplexer.ConnectAsync(_options).ConfigureAwait(false);
            mux.ConnectionRestored += (_, e) =>
            {
                if (e.ConnectionType == ConnectionType.Interactive) LogRestored(_logger, Url.Display);
            };
            mux.ConnectionFailed += (_, e) =>
            {
                if (e.ConnectionType == ConnectionType.Interactive) ReportFailure("connection", e.FailureType.ToString());
            };
            if (Volatile.Read(ref _disposed) != 0)
            {
                await mux.DisposeAsync().ConfigureAwait(false);
                return;
            }
            _mux = mux;
            if (mux.IsConnected) LogConnected(_logger, Url.Display);
        }
        catch (Exception ex)
        {
            ReportFailure("connect", ex.Message);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        var mux = _mux;
        _mux = null;
        if (mux is not null) await mux.DisposeAsync().ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 4100, Level = LogLevel.Warning,
        Message = "Redis {Endpoint} failed ({Operation}: {Reason}); serving without shared state (fail-open). {Suppressed} more failures since the previous warning; at most one warning per {IntervalSeconds} s")]
    private static partial void LogUnavailable(ILogger logger, string endpoint, string operation, string reason, long suppressed, int intervalSeconds);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "Redis {Endpoint} connected")]
    private static partial void LogConnected(ILogger logger, string endpoint);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Information, Message = "Redis {Endpoint} reconnected")]
    private static partial void LogRestored(ILogger logger, string endpoint);
}
