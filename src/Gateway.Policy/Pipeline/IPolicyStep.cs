using Gateway.Policy.Abstractions;

namespace Gateway.Policy.Pipeline;

/// <summary>
/// One step of a profile's ordered pipeline: a built-in YAML feature or a compiled script rule. Both act only through
/// <see cref="PolicyContext"/> (scoped by <paramref name="scope"/>), so a YAML feature and a script rule compose in one pipeline.
/// Instances are immutable and shared by all requests of a snapshot: ApplyAsync must be thread-safe. A step never blocks the
/// calling (request) thread: built-in steps do their work inline and return a completed task; a script rule waits for its
/// dedicated worker asynchronously; a step that reads shared state (the session store) awaits it.
/// </summary>
public interface IPolicyStep
{
    /// <summary>Step id: a built-in id (<c>strip_boilerplate</c>) or <c>rule:ID</c>.</summary>
    string Id { get; }

    PolicyStage Stage { get; }

    /// <summary>Time budget per request; a step over it is rolled back and counted as a failure.</summary>
    TimeSpan Budget { get; }

    /// <summary>True for built-in steps (run inline); false for scripts (run on a worker with a hard time limit, because a script may loop).</summary>
    bool Trusted { get; }

    /// <summary>
    /// Applies the step. <paramref name="response"/> is set for <see cref="PolicyStage.Response"/> steps only. <paramref name="ct"/>
    /// is the request's: a step may stop waiting for shared state when the client has gone (it then throws
    /// <see cref="OperationCanceledException"/>, which the pipeline does not count as the step's failure).
    /// </summary>
    ValueTask ApplyAsync(PolicyContext context, RuleScope scope, ResponseView? response, CancellationToken ct);
}
