using Gateway.Policy.Configuration;
using Gateway.Policy.Snapshots;
using Microsoft.Extensions.Logging;

namespace Gateway.Policy.Reload;

/// <summary>What the last reload attempt did: the admin endpoint and <c>POST /admin/policies/reload</c> show it.</summary>
public sealed record ReloadOutcome(bool Succeeded, bool Changed, string Version, string Trigger, DateTimeOffset At, IReadOnlyList<PolicyDiagnostic> Diagnostics)
{
    public IEnumerable<PolicyDiagnostic> Errors => Diagnostics.Where(d => d.IsError);
}

/// <summary>
/// Holds the active <see cref="PolicySnapshot"/> and replaces it atomically on reload (one reference exchange).
/// A request reads <see cref="Current"/> once and keeps it. A first load that fails throws (the gateway must not start
/// without policies); a reload that fails keeps the last good snapshot, logs every error with file:line:col and records it
/// in <see cref="LastReload"/>. Reloads are serialized; requests are never blocked by them.
/// </summary>
public sealed class PolicyStore
{
    private readonly PolicySnapshotBuilder _builder;
    private readonly string _directory;
    private readonly IReadOnlyDictionary<string, string?> _environment;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly Lock _reloadLock = new();
    private PolicySnapshot _current;
    private ReloadOutcome _lastReload;
    private ReloadOutcome? _lastFailure;

    public PolicyStore(PolicySnapshotBuilder builder, string directory, IReadOnlyDictionary<string, string?> environment, TimeProvider time, ILogger log)
    {
        _builder = builder;
        _directory = directory;
        _environment = environment;
        _time = time;
        _log = log;
        var first = builder.Build(directory, environment, time.GetUtcNow());
        if (first.Snapshot is null)
            throw new PolicyLoadException(directory, first.Errors.ToList());
        _current = first.Snapshot;
        _lastReload = new ReloadOutcome(true, true, _current.Version, "startup", _current.LoadedAt, first.Diagnostics);
        foreach (var warning in first.Diagnostics.Where(d => !d.IsError)) _log.LogWarning("Policy warning: {Diagnostic}", warning.ToString());
        _log.LogInformation("Policies loaded from {Directory}: version {Version}, profiles {Profiles}", directory, _current.Version, string.Join(", ", _current.Profiles.Select(p => p.Name)));
    }

    /// <summary>The active snapshot. Read it once per request.</summary>
    public PolicySnapshot Current => Volatile.Read(ref _current);

    public string Directory => _directory;

    public ReloadOutcome LastReload => Volatile.Read(ref _lastReload);

    /// <summary>The newest failed reload, or null when the last attempt succeeded.</summary>
    public ReloadOutcome? LastFailure => Volatile.Read(ref _lastFailure);

    /// <summary>Raised after a new snapshot was swapped in.</summary>
    public event Action<PolicySnapshot>? Swapped;

    /// <summary>Builds a new snapshot and swaps it in if it is valid and differs from the active one.</summary>
    public ReloadOutcome Reload(string trigger)
    {
        lock (_reloadLock)
        {
            var result = _builder.Build(_directory, _environment, _time.GetUtcNow());
            var now = _time.GetUtcNow();
            if (result.Snapshot is not { } snapshot)
            {
                var failed = new ReloadOutcome(false, false, Current.Version, trigger, now, result.Diagnostics);
                Volatile.Write(ref _lastReload, failed);
                Volatile.Write(ref _lastFailure, failed);
                foreach (var error in result.Errors)
                    _log.LogError("Policy reload ({Trigger}) rejected, keeping version {Version}: {Diagnostic}", trigger, Current.Version, error.ToString());
                return failed;
            }

            Volatile.Write(ref _lastFailure, null);
            if (snapshot.Version == Current.Version)
            {
                var same = new ReloadOutcome(true, false, snapshot.Version, trigger, now, result.Diagnostics);
                Volatile.Write(ref _lastReload, same);
                return same;
            }

            var previous = Interlocked.Exchange(ref _current, snapshot);
            var swapped = new ReloadOutcome(true, true, snapshot.Version, trigger, now, result.Diagnostics);
            Volatile.Write(ref _lastReload, swapped);
            _log.LogInformation("Policies reloaded ({Trigger}): version {Previous} -> {Version}", trigger, previous.Version, snapshot.Version);
            Swapped?.Invoke(snapshot);
            return swapped;
        }
    }
}

/// <summary>The first policy load failed: the gateway must not start. The message lists every error.</summary>
public sealed class PolicyLoadException(string directory, IReadOnlyList<PolicyDiagnostic> errors)
    : Exception($"Policies in {directory} are invalid:\n  " + string.Join("\n  ", errors.Select(e => e.ToString())))
{
    public IReadOnlyList<PolicyDiagnostic> Errors { get; } = errors;
}
