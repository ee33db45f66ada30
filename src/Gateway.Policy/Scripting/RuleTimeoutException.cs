namespace Gateway.Policy.Scripting;

/// <summary>
/// A script rule did not finish within its time budget (plus a small grace). The pipeline rolls the rule back; the script
/// may still be running on its worker thread, where any further action throws because its scope is revoked.
/// </summary>
public sealed class RuleTimeoutException : TimeoutException
{
    public RuleTimeoutException(string ruleId, TimeSpan budget, TimeSpan waited, bool started)
        : base(started
            ? $"Rule '{ruleId}' ran over its time budget of {budget.TotalMilliseconds:0} ms (waited {waited.TotalMilliseconds:0} ms)."
            : $"Rule '{ruleId}' did not start within its time budget of {budget.TotalMilliseconds:0} ms: every script worker was busy.")
    {
        RuleId = ruleId;
        Budget = budget;
        Started = started;
    }

    /// <summary>The step id (<c>rule:ID</c>).</summary>
    public string RuleId { get; }

    /// <summary>The budget the rule had.</summary>
    public TimeSpan Budget { get; }

    /// <summary>False when the rule never got a worker (all workers busy or stuck): it did nothing.</summary>
    public bool Started { get; }
}
