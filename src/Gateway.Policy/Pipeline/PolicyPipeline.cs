using System.Diagnostics;
using System.Text.RegularExpressions;
using Gateway.Policy.Abstractions;
using Gateway.Policy.Configuration;
using Gateway.Policy.Snapshots;
using Microsoft.Extensions.Logging;

namespace Gateway.Policy.Pipeline;

/// <summary>
/// Runs a profile's ordered steps on one request. For each step of the stage:
/// <list type="number">
/// <item>skip it when <see cref="RuleHealth"/> disabled it (repeated failures, until the next reload);</item>
/// <item>open a journaled scope (<c>context.BeginRule</c>) and apply it, awaited: built-in steps are trusted and complete inline
///   (the routing step may await the session store), and script steps enforce their own hard time limit on their worker, awaited
///   without holding the request thread (they throw a timeout);</item>
/// <item>success within its budget: keep its changes (<c>EndRule</c>) and reset its failure count;</item>
/// <item>exception (regex match timeouts included) or over budget: undo everything it did (<c>Rollback</c>), count the failure,
///   and — fail-open, the default — log a warning and go on with the next step; a fail-closed profile
///   (<see cref="FailureMode.Closed"/>) stops and reports the failure, and the host answers 500 <c>policy_error</c>.</item>
/// </list>
/// A request cancelled while a step waits (<see cref="OperationCanceledException"/> with the request's token cancelled) rolls that
/// step back and is rethrown: it is not counted as a failure of the step.
/// Stateless and thread-safe (the context is per request).
/// </summary>
public static class PolicyPipeline
{
    /// <summary>Runs the request stage, then lets <see cref="IRequestStageObserver"/> steps see the result.</summary>
    public static async ValueTask<PipelineReport> RunRequestAsync(CompiledProfile profile, PolicyContext context, RuleHealth health, ILogger log,
        CancellationToken ct = default)
    {
        var report = await RunAsync(profile, profile.RequestSteps, PolicyStage.Request, context, health, log, null, ct).ConfigureAwait(false);
        if (report.Failed) return report;
        for (var i = 0; i < profile.RequestSteps.Count; i++)
        {
            if (profile.RequestSteps[i] is not IRequestStageObserver observer) continue;
            var line = report.Steps.FirstOrDefault(s => s.Id == profile.RequestSteps[i].Id);
            if (line is null || line.Status is not (StepStatus.Applied or StepStatus.NoChange)) continue;
            try { observer.OnRequestStageCompleted(context); }
            catch (Exception ex) { log.LogWarning(ex, "Policy step {StepId}: after-request hook failed: {Error}", profile.RequestSteps[i].Id, ex.Message); }
        }
        return report;
    }

    /// <summary>Runs the response stage (observe and tag) on the folded answer.</summary>
    public static ValueTask<PipelineReport> RunResponseAsync(CompiledProfile profile, PolicyContext context, RuleHealth health, ILogger log, ResponseView response,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(response);
        return RunAsync(profile, profile.ResponseSteps, PolicyStage.Response, context, health, log, response, ct);
    }

    private static async ValueTask<PipelineReport> RunAsync(CompiledProfile profile, IReadOnlyList<IPolicyStep> steps, PolicyStage stage, PolicyContext context,
        RuleHealth health, ILogger log, ResponseView? response, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(health);
        ArgumentNullException.ThrowIfNull(log);
        var closed = profile.Config.OnRuleError == FailureMode.Closed;
        var lines = new List<StepReport>(steps.Count);
        foreach (var step in steps)
        {
            if (step.Stage != stage) continue;
            // 1. Disabled until the next reload.
            if (health.IsDisabled(step.Id))
            {
                lines.Add(new StepReport(step.Id, StepStatus.SkippedDisabled, 0, 0, 0, 0));
                continue;
            }

            // 2. Apply in a journaled scope.
            var scope = context.BeginRule(step.Id);
            var started = Stopwatch.GetTimestamp();
            Exception? error = null;
            try { await step.ApplyAsync(context, scope, response, ct).ConfigureAwait(false); }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // The client went away while the step waited: not the step's failure (no count, no disabling); undo and give up.
                context.Rollback(scope);
                throw;
            }
            catch (Exception ex) { error = ex; }
            var elapsed = Stopwatch.GetElapsedTime(started);
            var ms = elapsed.TotalMilliseconds;

            // 3. Success within budget. A built-in step is deterministic in the request's content: rolling it back because the
            //    machine was busy would make the same old turn come out differently in the next request (a broken prompt cache,
            //    swinging token use). So a slow built-in step keeps its result and is only reported; the budget is a hard
            //    limit for scripts, which can loop.
            if (error is null && (elapsed <= step.Budget || step.Trusted))
            {
                if (elapsed > step.Budget)
                    log.LogWarning("Policy step {StepId} took {Elapsed:0} ms (budget {Budget:0} ms); kept, as built-in steps are deterministic (profile {Profile})",
                        step.Id, ms, step.Budget.TotalMilliseconds, profile.Name);
                var (before, after, count) = Sum(context, scope);
                context.EndRule(scope);
                health.RecordSuccess(step.Id);
                lines.Add(new StepReport(step.Id, count > 0 ? StepStatus.Applied : StepStatus.NoChange, ms, before, after, count));
                continue;
            }

            // 4. Failure: roll back, count, then fail open or closed.
            context.Rollback(scope);
            var (status, reason) = Classify(error, elapsed, step.Budget);
            var disabled = health.RecordFailure(step.Id, reason);
            lines.Add(new StepReport(step.Id, status, ms, 0, 0, 0, reason, disabled));
            if (disabled)
                log.LogWarning("Policy step {StepId} disabled until the next reload after {Failures} consecutive failures (profile {Profile})",
                    step.Id, health.DisableAfter, profile.Name);
            if (closed)
            {
                log.LogWarning("Policy step {StepId} failed ({Reason}); profile {Profile} is fail-closed: request refused", step.Id, reason, profile.Name);
                return new PipelineReport(profile.Name, lines, true, step.Id, reason);
            }
            log.LogWarning("Policy step {StepId} skipped ({Reason}); its changes were rolled back (profile {Profile}, fail-open)", step.Id, reason, profile.Name);
        }
        return new PipelineReport(profile.Name, lines, false, null, null);
    }

    private static (int Before, int After, int Count) Sum(PolicyContext context, RuleScope scope)
    {
        int before = 0, after = 0;
        var changes = context.Changes;
        for (var i = scope.ChangesStart; i < changes.Count; i++)
        {
            before += changes[i].TokensBefore;
            after += changes[i].TokensAfter;
        }
        return (before, after, changes.Count - scope.ChangesStart);
    }

    private static (StepStatus, string) Classify(Exception? error, TimeSpan elapsed, TimeSpan budget) => error switch
    {
        null => (StepStatus.TimedOut, $"over its time budget ({elapsed.TotalMilliseconds:0} ms > {budget.TotalMilliseconds:0} ms)"),
        RegexMatchTimeoutException rx => (StepStatus.Failed, $"regex match timeout ({rx.MatchTimeout.TotalMilliseconds:0} ms) on pattern {Shorten(rx.Pattern)}"),
        // Scripts' hard limit: Scripting.RuleTimeoutException (a TimeoutException, or matched by name).
        TimeoutException or OperationCanceledException => (StepStatus.TimedOut, $"{error.GetType().Name}: {error.Message}"),
        _ when error.GetType().Name == "RuleTimeoutException" => (StepStatus.TimedOut, $"{error.GetType().Name}: {error.Message}"),
        _ when error.GetType().Name == "RuleExecutionException" && error.InnerException is { } inner => (StepStatus.Failed, $"{inner.GetType().Name}: {error.Message}"),
        _ => (StepStatus.Failed, $"{error.GetType().Name}: {error.Message}"),
    };

    private static string Shorten(string s) => s.Length <= 60 ? s : s[..57] + "...";
}
