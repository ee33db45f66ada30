using System.Diagnostics;
using Gateway.Policy.Abstractions;
using Gateway.Policy.Configuration;
using Gateway.Policy.Pipeline;

namespace Gateway.Policy.Scripting;

/// <summary>
/// A compiled <c>.csx</c> rule as a pipeline step. <see cref="ApplyAsync"/> runs the script on a dedicated worker thread
/// (<see cref="ScriptWorkers"/>) and awaits it at most <see cref="Budget"/> plus a grace: a script that loops cannot hold the
/// request past that, and the request's thread is free while the script runs. Immutable and thread-safe; every run gets its own <see cref="RuleGlobals"/> and submission object.
/// </summary>
public sealed class CompiledScriptRule : IPolicyStep
{
    private readonly ScriptWorkers _workers;
    private readonly TimeSpan _grace;

    internal CompiledScriptRule(RuleRef rule, ScriptAssemblyHandle handle, ScriptWorkers workers, TimeSpan grace)
    {
        RuleId = rule.Id;
        Id = "rule:" + rule.Id;
        Path = rule.Path;
        Stage = rule.Stage;
        Budget = TimeSpan.FromMilliseconds(rule.BudgetMs);
        MemoryBudget = (long)rule.MemoryMb * 1024 * 1024;
        Handle = handle;
        _workers = workers;
        _grace = grace;
    }

    /// <summary><c>rule:ID</c>.</summary>
    public string Id { get; }

    /// <summary>The rule's id as declared in YAML.</summary>
    public string RuleId { get; }

    /// <summary>The .csx path as declared (diagnostics and exceptions name it).</summary>
    public string Path { get; }

    public PolicyStage Stage { get; }

    public TimeSpan Budget { get; }

    /// <summary>Bytes one run may allocate (<c>memory_mb</c>), counted on its worker thread from the run's start to its end.</summary>
    public long MemoryBudget { get; }

    /// <summary>Scripts are untrusted: they run on a worker with a hard time limit.</summary>
    public bool Trusted => false;

    /// <summary>The assembly this rule runs; add it to <c>PolicySnapshot.OwnedResources</c>.</summary>
    public ScriptAssemblyHandle Handle { get; }

    /// <summary>
    /// Runs the script. Throws <see cref="RuleTimeoutException"/> when it does not finish within <see cref="Budget"/> plus the
    /// grace: the budget checks inserted into its loops and functions end it on its worker; a script stuck inside a long
    /// runtime call goes on running until its next check, unable to change the request once the pipeline revokes its scope.
    /// Throws <see cref="RuleMemoryBudgetException"/> when the run allocated more than <see cref="MemoryBudget"/> (stopped at
    /// its next check, or found over at its end). Throws <see cref="RuleExecutionException"/> when the script throws (an
    /// <see cref="OutOfMemoryException"/> from one huge allocation included). <paramref name="ct"/> is not observed: the budget
    /// bounds the wait, and a run is never left half-way because its client went away.
    /// </summary>
    public async ValueTask ApplyAsync(PolicyContext context, RuleScope scope, ResponseView? response, CancellationToken ct)
    {
        var globals = new RuleGlobals(context, scope, response);
        var entry = Handle.Entry;
        var started = Stopwatch.GetTimestamp();
        // The inserted checks stop the script at its budget; the caller waits the grace on top (hand-off, scheduling), and
        // after stopping a run that is still going, the grace once more for its next check.
        var budget = new ScriptRunBudget(started + Budget.Ticks * Stopwatch.Frequency / TimeSpan.TicksPerSecond, scope, MemoryBudget);
        // Slot 0: the globals; slot 1: where the submission stores itself (Roslyn's submission array layout).
        var outcome = await _workers.RunAsync(() => Failure(entry([globals, null])), budget, Budget + _grace, _grace).ConfigureAwait(false);
        // Over its memory budget: whether a check stopped it or it finished (its last allocation after its last check), it failed.
        if (budget.OverMemory) throw new RuleMemoryBudgetException(Id, MemoryBudget, budget.AllocatedWhenOver);
        if (outcome.IsCompleted) return;
        if (outcome.IsTimedOut) throw new RuleTimeoutException(Id, Budget, Stopwatch.GetElapsedTime(started), outcome.Started);
        throw new RuleExecutionException(Id, ScriptLine(outcome.Error!), outcome.Error!);
    }

    /// <summary>
    /// The script's own exception, taken from its task without rethrowing: a rethrow keeps the script frames only as text,
    /// and <see cref="ScriptLine"/> needs them as frames. Scripts cannot await, so the task is complete here (the wait below is
    /// a formality, and it runs on the script's worker thread, never on a request thread).
    /// </summary>
    private static Exception? Failure(Task<object> run)
    {
        if (!run.IsCompleted) run.Wait();
        return run.IsFaulted ? run.Exception!.InnerExceptions[0] : run.IsCanceled ? new TaskCanceledException(run) : null;
    }

    /// <summary>The first stack frame inside the script's assembly, mapped to its line through the rule's PDB; else the file alone.</summary>
    private SourceLocation ScriptLine(Exception error)
    {
        foreach (var frame in new StackTrace(error, fNeedFileInfo: false).GetFrames())
        {
            if (frame.GetMethod() is not { } method || method.Module.Assembly != Handle.Assembly) continue;
            if (Handle.Lines.Find(method.MetadataToken, frame.GetILOffset()) is { } at) return new SourceLocation(Path, at.Line, at.Column);
        }
        return new SourceLocation(Path, 0, 0);
    }
}
