using System.Collections.Concurrent;

namespace Gateway.Policy.Pipeline;

/// <summary>
/// Failure counters of one snapshot's steps. A step that fails (throws or overruns) <see cref="DisableAfter"/> times in a row
/// is disabled until the next reload, and the admin endpoint lists it. Thread-safe; a new snapshot starts with a fresh one.
/// </summary>
public sealed class RuleHealth(int disableAfter = 5)
{
    private readonly ConcurrentDictionary<string, StepHealth> _steps = new(StringComparer.Ordinal);

    public int DisableAfter { get; } = disableAfter;

    public bool IsDisabled(string stepId) => _steps.TryGetValue(stepId, out var h) && h.Disabled;

    public void RecordSuccess(string stepId)
    {
        if (_steps.TryGetValue(stepId, out var h)) h.ConsecutiveFailures = 0;
    }

    /// <summary>Counts a failure; returns true when this failure disabled the step.</summary>
    public bool RecordFailure(string stepId, string reason)
    {
        var h = _steps.GetOrAdd(stepId, _ => new StepHealth());
        lock (h)
        {
            h.TotalFailures++;
            h.ConsecutiveFailures++;
            h.LastError = reason;
            if (!h.Disabled && h.ConsecutiveFailures >= DisableAfter)
            {
                h.Disabled = true;
                return true;
            }
            return false;
        }
    }

    /// <summary>Steps with failures: id, total failures, disabled, last error.</summary>
    public IReadOnlyList<(string Id, int Failures, bool Disabled, string? LastError)> Report() =>
        _steps.Select(kv => (kv.Key, kv.Value.TotalFailures, kv.Value.Disabled, kv.Value.LastError)).OrderBy(x => x.Key).ToList();

    private sealed class StepHealth
    {
        public int TotalFailures;
        public int ConsecutiveFailures;
        public volatile bool Disabled;
        public string? LastError;
    }
}
