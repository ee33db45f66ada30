namespace Gateway.Policy.Pipeline;

/// <summary>What happened to one step in one request.</summary>
public enum StepStatus
{
    /// <summary>Ran and changed the request (or tagged it).</summary>
    Applied,
    /// <summary>Ran within its budget and did nothing.</summary>
    NoChange,
    /// <summary>Not run: disabled after repeated failures, until the next reload.</summary>
    SkippedDisabled,
    /// <summary>Threw (a regex match timeout included); everything it did was rolled back.</summary>
    Failed,
    /// <summary>Ran over its time budget (or a script hit its hard limit); everything it did was rolled back.</summary>
    TimedOut,
}

/// <summary>One step's line in a <see cref="PipelineReport"/>.</summary>
/// <param name="Id">Step id (<c>cap_content</c>, <c>rule:ID</c>).</param>
/// <param name="Status">What happened.</param>
/// <param name="ElapsedMs">Wall time of the step.</param>
/// <param name="TokensBefore">Sum of the step's changes' estimated tokens before.</param>
/// <param name="TokensAfter">Sum after (so before - after = tokens saved).</param>
/// <param name="Changes">How many changes the step made (0 when rolled back).</param>
/// <param name="Error">Why it failed, for <see cref="StepStatus.Failed"/> and <see cref="StepStatus.TimedOut"/>.</param>
/// <param name="NewlyDisabled">True when this failure disabled the step until the next reload.</param>
public sealed record StepReport(string Id, StepStatus Status, double ElapsedMs, int TokensBefore, int TokensAfter, int Changes,
    string? Error = null, bool NewlyDisabled = false)
{
    public int TokensSaved => TokensBefore - TokensAfter;

    /// <summary>Lower-case, hyphenated status for logs and <c>policy explain</c>: applied, no-change, skipped-disabled, failed, timed-out.</summary>
    public string StatusText => Status switch
    {
        StepStatus.Applied => "applied",
        StepStatus.NoChange => "no-change",
        StepStatus.SkippedDisabled => "skipped-disabled",
        StepStatus.Failed => "failed",
        _ => "timed-out",
    };
}

/// <summary>The outcome of one stage of the pipeline for one request.</summary>
/// <param name="Profile">The profile that ran.</param>
/// <param name="Steps">Every step of the stage, in order (steps after a fail-closed failure are not listed).</param>
/// <param name="Failed">True when a step failed and the profile is fail-closed: the host answers 500 <c>policy_error</c>.</param>
/// <param name="FailedStepId">The step that stopped the stage, when <paramref name="Failed"/>.</param>
/// <param name="FailureReason">Its error.</param>
public sealed record PipelineReport(string Profile, IReadOnlyList<StepReport> Steps, bool Failed, string? FailedStepId, string? FailureReason)
{
    public int TokensBefore => Steps.Sum(s => s.TokensBefore);
    public int TokensAfter => Steps.Sum(s => s.TokensAfter);
    public int TokensSaved => TokensBefore - TokensAfter;
    public double ElapsedMs => Steps.Sum(s => s.ElapsedMs);

    /// <summary>Steps that failed or timed out in this request (fail-open: they were skipped).</summary>
    public IEnumerable<StepReport> Failures => Steps.Where(s => s.Status is StepStatus.Failed or StepStatus.TimedOut);

    /// <summary>True when a step was disabled by a failure in this request (the admin endpoint will list it).</summary>
    public bool AnyNewlyDisabled => Steps.Any(s => s.NewlyDisabled);

    /// <summary>Ids of the steps that changed the request.</summary>
    public IEnumerable<string> AppliedSteps => Steps.Where(s => s.Status == StepStatus.Applied).Select(s => s.Id);
}
