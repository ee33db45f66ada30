using Microsoft.Extensions.Logging;

namespace Gateway.Policy.Reload;

/// <summary>
/// Reloads policies when files change: file-system events, debounced (editors save in several steps), plus a polling
/// fallback that compares directory fingerprints, for file systems where events are missed and for ConfigMap symlink swaps.
/// A reload only swaps when the content really changed (the store compares versions).
/// </summary>
public sealed class PolicyWatcher : IDisposable
{
    private readonly PolicyStore _store;
    private readonly TimeSpan _debounce;
    private readonly ILogger _log;
    private readonly FileSystemWatcher? _watcher;
    private readonly Timer _debounceTimer;
    private readonly Timer _pollTimer;
    private string _fingerprint;
    private int _running;

    public PolicyWatcher(PolicyStore store, TimeSpan debounce, TimeSpan pollInterval, ILogger log)
    {
        _store = store;
        _debounce = debounce;
        _log = log;
        _fingerprint = PolicyDirectoryFingerprint.Compute(store.Directory);
        _debounceTimer = new Timer(_ => ReloadIfChanged("file-change"));
        _pollTimer = new Timer(_ => ReloadIfChanged("poll"), null, pollInterval, pollInterval);
        try
        {
            _watcher = new FileSystemWatcher(store.Directory)
            {
                IncludeSubdirectories = true,
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
            };
            _watcher.Changed += OnEvent;
            _watcher.Created += OnEvent;
            _watcher.Deleted += OnEvent;
            _watcher.Renamed += OnEvent;
            _watcher.Error += (_, e) => _log.LogWarning("Policy file watcher error ({Error}); polling continues", e.GetException().Message);
            _watcher.EnableRaisingEvents = true;
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or PlatformNotSupportedException)
        {
            _log.LogWarning("Policy file watcher unavailable ({Error}); relying on polling every {Interval}", ex.Message, pollInterval);
        }
    }

    private void OnEvent(object sender, FileSystemEventArgs e) => _debounceTimer.Change(_debounce, Timeout.InfiniteTimeSpan);

    private void ReloadIfChanged(string trigger)
    {
        if (Interlocked.Exchange(ref _running, 1) == 1) return; // one check at a time; the next tick catches up
        try
        {
            var fingerprint = PolicyDirectoryFingerprint.Compute(_store.Directory);
            if (fingerprint == _fingerprint) return;
            _fingerprint = fingerprint;
            _store.Reload(trigger);
        }
        catch (Exception ex)
        {
            _log.LogError(ex, "Policy reload ({Trigger}) failed unexpectedly; keeping the active version", trigger);
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }

    public void Dispose()
    {
        _watcher?.Dispose();
        _debounceTimer.Dispose();
        _pollTimer.Dispose();
    }
}
