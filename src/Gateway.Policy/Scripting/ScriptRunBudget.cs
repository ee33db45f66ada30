using System.Diagnostics;
using System.Runtime.CompilerServices;
using Gateway.Policy.Abstractions;

namespace Gateway.Policy.Scripting;

/// <summary>
/// The time and memory budget of one script run, as seen by the checks the compiler inserts into the script
/// (<see cref="ScriptBudgetRewriter"/>: <c>RuleGlobals.__gw_loop/__gw_enter/__gw_pass</c>). The worker thread makes the run
/// current before calling the script (<see cref="Begin"/>, which also notes the bytes its thread has allocated so far); each
/// check then costs a thread-static read, a volatile read, a read of the thread's allocation counter and a decrement, and
/// every <see cref="ClockEvery"/> checks a clock read and a look at the rule's scope. A check throws
/// <see cref="ScriptBudgetExceededException"/> once the run is stopped (by the waiting caller, when it gives up), its
/// deadline has passed, its scope was revoked, or its thread has allocated more than the memory budget since the run began;
/// after that, every further check throws too, so a script that catches the exception cannot keep looping.
/// </summary>
internal sealed class ScriptRunBudget
{
    /// <summary>Checks between two clock reads: a clock read costs ~20-30 ns, a check ~3 ns (~2 of them the allocation counter).</summary>
    internal const int ClockEvery = 256;

    [ThreadStatic] private static ScriptRunBudget? t_current;

    private readonly long _deadline;
    private readonly RuleScope? _scope;
    private readonly long _memoryBudget;
    private long _allocatedAtStart;
    private long _allocationLimit = long.MaxValue; // the thread's allocation counter past which the run is over its memory budget
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
    /// <param name="memoryBudget">Bytes the run may allocate on its thread (<see cref="long.MaxValue"/>: unbounded).</param>
    public ScriptRunBudget(long deadline, RuleScope? scope, long memoryBudget = long.MaxValue)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(memoryBudget);
        _deadline = deadline;
        _scope = scope;
        _memoryBudget = memoryBudget;
    }

    /// <summary>True once a check has thrown or <see cref="Stop"/> was called.</summary>
    public bool IsStopped => _stopped;

    /// <summary>True once an inserted check has thrown for this run.</summary>
    public bool Tripped { get; private set; }

    /// <summary>True when the worker was parked for good (see <see cref="StackExhausted"/>).</summary>
    public bool Parked { get; private set; }

    /// <summary>
    /// True once the run was found over its memory budget: by a check (which then threw) or by <see cref="End"/>, after a
    /// run whose last allocation came after its last check. Set on the worker before the caller is told the run ended.
    /// </summary>
    public bool OverMemory { get; private set; }

    /// <summary>Bytes the run's thread had allocated since <see cref="Begin"/> when it was found over its memory budget.</summary>
    public long AllocatedWhenOver { get; private set; }

    /// <summary>The run's memory budget in bytes.</summary>
    public long MemoryBudget => _memoryBudget;

    /// <summary>Asks the run to stop at its next check (called by the caller that stopped waiting).</summary>
    public void Stop() => _stopped = true;

    /// <summary>
    /// Makes this the run checked on the calling thread, which runs the script from start to end (scripts cannot await or
    /// start threads), and notes the bytes the thread has allocated so far: the memory budget counts from here.
    /// </summary>
    internal void Begin()
    {
        _allocatedAtStart = GC.GetAllocatedBytesForCurrentThread();
        _allocationLimit = _memoryBudget > long.MaxValue - _allocatedAtStart ? long.MaxValue : _allocatedAtStart + _memoryBudget;
        t_current = this;
    }

    /// <summary>
    /// Ends the run on the calling thread: no run is checked there any more. A run whose last allocation came after its last
    /// check (a script with no loop, one huge library call) is still found over its memory budget here, and fails.
    /// </summary>
    internal void End()
    {
        t_current = null;
        if (!OverMemory && GC.GetAllocatedBytesForCurrentThread() > _allocationLimit) MarkOverMemory();
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
        if (run._stopped || GC.GetAllocatedBytesForCurrentThread() > run._allocationLimit || (--run._countdown <= 0 && run.Expired())) run.Trip();
    }

    /// <summary>The check at the start of function bodies: as <see cref="Loop"/>, plus a stack guard.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Enter()
    {
        var run = t_current;
        if (run is null) return;
        if (run._stopped || GC.GetAllocatedBytesForCurrentThread() > run._allocationLimit || (--run._countdown <= 0 && run.Expired())) run.Trip();
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
        // The first trip names the reason; once stopped, every check throws whatever the counters say.
        if (!_stopped && GC.GetAllocatedBytesForCurrentThread() > _allocationLimit) MarkOverMemory();
        _stopped = true;
        Tripped = true;
        throw OverMemory ? new ScriptBudgetExceededException(ScriptBudgetExceededException.MemoryMessage) : new ScriptBudgetExceededException();
    }

    private void MarkOverMemory()
    {
        AllocatedWhenOver = GC.GetAllocatedBytesForCurrentThread() - _allocatedAtStart;
        OverMemory = true;
    }
}

