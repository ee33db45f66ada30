using System.Collections.Concurrent;

namespace Gateway.Policy.Scripting;

/// <summary>
/// Dedicated threads that run rule scripts, so a script that loops forever burns one of these and never a thread-pool
/// thread the host needs for requests. A caller awaits its item up to a deadline, without holding a thread while it waits (the
/// worker completes a task, whose continuations never run on the worker). Each run carries a
/// <see cref="ScriptRunBudget"/>, made current on the worker while the script runs: the checks the compiler inserts into
/// every loop and function body stop the script once its deadline passes (the caller then sees a timeout and the worker is
/// free at once). When the caller's deadline passes while the script still runs (it is inside a long call into the runtime
/// libraries, where no check can be inserted), the caller stops the run and waits a little longer (the stop wait) for the
/// next check to end it; only when that fails too is the worker written off as stuck and a replacement thread started (up to
/// <see cref="MaxStuck"/> stuck workers; a .NET thread cannot be aborted). Past that cap no replacement starts and capacity
/// shrinks: rules then time out without starting, and <see cref="Pipeline.RuleHealth"/> disables them. A stuck worker whose
/// script does end (its next check throws, the run being stopped) goes back to work, or ends when it is surplus.
/// </summary>
internal sealed class ScriptWorkers
{
    private readonly BlockingCollection<WorkItem> _queue = new(new ConcurrentQueue<WorkItem>());
    private readonly int _size;
    private int _active;   // threads taking work (not written off)
    private int _stuck;    // threads written off while running a script that overran
    private long _stopped; // runs ended by an inserted budget check
    private long _writtenOff;
    private int _threadCounter;

    public ScriptWorkers(int size, int maxStuck)
    {
        ScriptRunBudget.Install();
        _size = Math.Max(1, size);
        MaxStuck = Math.Max(0, maxStuck);
        for (var i = 0; i < _size; i++) StartThread();
    }

    /// <summary>Written-off threads allowed before capacity starts shrinking.</summary>
    public int MaxStuck { get; }

    /// <summary>Threads currently running a script that overran its deadline.</summary>
    public int Stuck => Volatile.Read(ref _stuck);

    /// <summary>Threads taking new work.</summary>
    public int Active => Volatile.Read(ref _active);

    /// <summary>Runs that overran and were ended by an inserted budget check (their worker was not written off), since start.</summary>
    public long Stopped => Interlocked.Read(ref _stopped);

    /// <summary>Workers written off as stuck, since start (those that came back included).</summary>
    public long WrittenOff => Interlocked.Read(ref _writtenOff);

    /// <summary>
    /// Runs <paramref name="work"/> (which returns its failure, or throws it) on a worker with <paramref name="budget"/> current,
    /// and awaits it up to <paramref name="timeout"/>, then, if it is still running, up to <paramref name="stopWait"/> more after
    /// stopping it. The caller's thread is free meanwhile.
    /// </summary>
    public async ValueTask<WorkOutcome> RunAsync(Func<Exception?> work, ScriptRunBudget budget, TimeSpan timeout, TimeSpan stopWait)
    {
        var item = new WorkItem(work, budget);
        _queue.Add(item);
        if (await CompletesWithin(item.Done.Task, timeout).ConfigureAwait(false)) return Outcome(item);

        // Deadline passed. Not started yet: withdraw it so it never runs.
        if (Interlocked.CompareExchange(ref item.State, WorkItem.Abandoned, WorkItem.Queued) == WorkItem.Queued)
            return WorkOutcome.TimedOut(started: false);
        // Running: its next budget check throws. Usually that is at once; give it the stop wait.
        budget.Stop();
        if (await CompletesWithin(item.Done.Task, stopWait).ConfigureAwait(false)) return StoppedOutcome(item);
        // Still running (inside a long runtime call): write its worker off and replace it.
        if (Interlocked.CompareExchange(ref item.State, WorkItem.AbandonedRunning, WorkItem.Running) == WorkItem.Running)
        {
            Interlocked.Increment(ref _stuck);
            Interlocked.Increment(ref _writtenOff);
            Interlocked.Decrement(ref _active);
            if (Stuck <= MaxStuck) StartThread();
            return WorkOutcome.TimedOut(started: true);
        }
        // It finished between the wait and the check (its worker completes the task right after).
        await item.Done.Task.ConfigureAwait(false);
        return StoppedOutcome(item);
    }

    /// <summary>True when <paramref name="done"/> completes within <paramref name="timeout"/>; false when the timeout passes first (no exception).</summary>
    private static async ValueTask<bool> CompletesWithin(Task done, TimeSpan timeout)
    {
        if (done.IsCompleted) return true;
        await done.WaitAsync(timeout).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return done.IsCompleted;
    }

    private WorkOutcome Outcome(WorkItem item)
    {
        // A check that threw means the run spent its budget, even if the script caught the exception and went on to finish.
        if (item.Budget.Tripped) return StoppedOutcome(item);
        return item.Error is null ? WorkOutcome.Completed : WorkOutcome.Faulted(item.Error);
    }

    private WorkOutcome StoppedOutcome(WorkItem item)
    {
        if (item.Budget.Tripped) Interlocked.Increment(ref _stopped);
        return WorkOutcome.TimedOut(started: true);
    }

    private void StartThread()
    {
        Interlocked.Increment(ref _active);
        var thread = new Thread(Loop, maxStackSize: 1024 * 1024)
        {
            IsBackground = true,
            Name = $"rule-script-{Interlocked.Increment(ref _threadCounter)}",
        };
        thread.Start();
    }

    private void Loop()
    {
        while (true)
        {
            WorkItem? item = _queue.Take();
            var keepGoing = Process(item);
            // Drop the last item before blocking for the next: a finished script must not stay reachable from an idle
            // worker's stack, or its collectible assembly could never unload.
            item = null;
            if (!keepGoing) return;
        }
    }

    /// <summary>Runs one item; false when this thread was written off meanwhile and is now surplus.</summary>
    private bool Process(WorkItem item)
    {
        if (Interlocked.CompareExchange(ref item.State, WorkItem.Running, WorkItem.Queued) != WorkItem.Queued) return true;
        // The whole run stays on this thread (scripts cannot await or start threads): its allocation counter is the run's.
        item.Budget.Begin();
        try { item.Error = item.Work!(); }
        catch (Exception ex) { item.Error = ex; } // OutOfMemoryException included: a huge allocation fails the rule, not the process
        finally { item.Budget.End(); }
        item.Work = null;
        if (Interlocked.CompareExchange(ref item.State, WorkItem.Finished, WorkItem.Running) == WorkItem.Running)
        {
            item.Done.TrySetResult();
            return true;
        }
        // Written off while running; a replacement may have started: rejoin only if the pool is short.
        item.Error = null;
        Interlocked.Decrement(ref _stuck);
        if (Interlocked.Increment(ref _active) > _size)
        {
            Interlocked.Decrement(ref _active);
            return false;
        }
        return true;
    }

    private sealed class WorkItem(Func<Exception?> work, ScriptRunBudget budget)
    {
        public readonly ScriptRunBudget Budget = budget;
        public const int Queued = 0, Running = 1, Finished = 2, Abandoned = 3, AbandonedRunning = 4;
        public Func<Exception?>? Work = work;
        // Continuations run asynchronously: the awaiting request's code must never run on (and hold) this worker.
        public readonly TaskCompletionSource Done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public int State;
        public Exception? Error;
    }
}

/// <summary>How a run on a <see cref="ScriptWorkers"/> thread ended.</summary>
internal readonly record struct WorkOutcome(bool IsCompleted, bool IsTimedOut, bool Started, Exception? Error)
{
    public static readonly WorkOutcome Completed = new(true, false, true, null);
    public static WorkOutcome Faulted(Exception error) => new(false, false, true, error);
    public static WorkOutcome TimedOut(bool started) => new(false, true, started, null);
}
