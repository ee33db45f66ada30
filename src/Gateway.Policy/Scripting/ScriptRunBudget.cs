using System.Diagnostics;
using System.Runtime.CompilerServices;
using Gateway.Policy.Abstractions;

namespace Gateway.Policy.Scripting;

/// <summary>
/// The time budget of one script run, as seen by the checks the compiler inserts into the script
/// (<see cref="ScriptBudgetRewriter"/>: <c>RuleGlobals.__gw_loop/__gw_enter/__gw_pass</c>). The worker thread makes the run
/// current before calling the script; each check then costs a thread-static read, a volatile read and a decrement, and
/// every <see cref="ClockEvery"/> checks a clock read and a look at the rule's scope. A check throws
/// <see cref="ScriptBudgetExceededException"/> once the run is stopped (by the waiting caller, when it gives up), its
/// deadline has passed, or its scope was revoked; after that, every further check throws too, so a script that catches the
/// exception cannot keep looping.
/// </summary>
internal sealed class ScriptRunBudget
{
    /// <summary>Checks between two clock reads: a clock read costs ~20-30 ns, a check ~2 ns.</summary>
    internal const int ClockEvery = 256;

    [ThreadStatic] private static ScriptRunBudget? t_current;

    private readonly long _deadline;
    private readonly RuleScope? _scope;
    private volatile bool _stopped;
    private bool _stackExhausted;
    private int _countdown = ClockEvery;

    /// <summary>Points the checks in <see cref="RuleGlobals"/> here (idempotent; before any script runs).</summary>
    internal static void Install()
    {
        // Delegates bound to an instance: a delegate to a static method goes through a shuffle thunk on every call.
        var probes = new Probes();
        RuleGlobals.LoopProbe ??= probes.Loop;
        RuleGlobals.EnterProbe ??= probes.Enter;
    }

    /// <param name="deadline">A <see cref="Stopwatch.GetTimestamp"/> value after which the run must stop.</param>
    /// <param name="scope">The rule's scope: once the pipeline revokes it, the run stops too.</param>
    public ScriptRunBudget(long deadline, RuleScope? scope)
    {
        _deadline = deadline;
        _scope = scope;
    }

    /// <summary>True once a check has thrown or <see cref="Stop"/> was called.</summary>
    public bool IsStopped => _stopped;

    /// <summary>True once an inserted check has thrown for this run.</summary>
    public bool Tripped { get; private set; }

    /// <summary>True when the worker was parked for good (see <see cref="StackExhausted"/>).</summary>
    public bool Parked { get; private set; }

    /// <summary>Asks the run to stop at its next check (called by the caller that stopped waiting).</summary>
    public void Stop() => _stopped = true;

    /// <summary>Makes <paramref name="budget"/> the run checked on this thread (null: none); returns the previous one.</summary>
    internal static ScriptRunBudget? MakeCurrent(ScriptRunBudget? budget)
    {
        var previous = t_current;
        t_current = budget;
        return previous;
    }

    private sealed class Probes
    {
        public void Loop() => ScriptRunBudget.Loop();
        public void Enter() => ScriptRunBudget.Enter();
    }

    /// <summary>The check at the top of loop bodies and around query-clause expressions.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Loop()
    {
        var run = t_current;
        if (run is null) return; // not on a worker running a rule (e.g. a script object's method called by host code)
        if (run._stopped || (--run._countdown <= 0 && run.Expired())) run.Trip();
    }

    /// <summary>The check at the start of function bodies: as <see cref="Loop"/>, plus a stack guard.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Enter()
    {
        var run = t_current;
        if (run is null) return;
        if (run._stopped || (--run._countdown <= 0 && run.Expired())) run.Trip();
        // Recursion through delegates is invisible to the allowlist, and a stack overflow ends the process (it cannot be
        // caught): fail the rule while there is still stack left (the runtime keeps 128 KB in reserve for this check).
        if (!RuntimeHelpers.TryEnsureSufficientExecutionStack()) run.StackExhausted();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void StackExhausted()
    {
        if (_stackExhausted)
        {
            // A second time, still deep: the script caught the first exception and recursed again from its catch block,
            // which runs below the frames of the exception dispatch. Each further throw would go deeper until the stack
            // overflows and takes the process down. Park the thread instead: the caller writes this worker off (it never
            // comes back and its rule assembly stays loaded), the process lives, and no CPU is spent.
            Parked = true;
            Thread.Sleep(Timeout.Infinite);
        }
        _stackExhausted = true;
        throw new InsufficientExecutionStackException("The rule recursed too deeply (its worker's stack is nearly exhausted).");
    }

    private bool Expired()
    {
        _countdown = ClockEvery;
        return Stopwatch.GetTimestamp() > _deadline || _scope is { Revoked: true };
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Trip()
    {
        _stopped = true;
        Tripped = true;
        throw new ScriptBudgetExceededException();
    }
}

