namespace Gateway.Policy.Scripting;

/// <summary>How compiled rules run: worker threads, how many may be written off, and the grace added to each rule's budget.</summary>
public sealed record ScriptRuleCompilerOptions
{
    /// <summary>Dedicated threads running scripts (default: twice the processor count, at least 4).</summary>
    public int Workers { get; init; } = Math.Max(4, 2 * Environment.ProcessorCount);

    /// <summary>Workers that may be stuck in overrunning scripts and replaced (default 16); past this, capacity shrinks.</summary>
    public int MaxStuckWorkers { get; init; } = 16;

    /// <summary>Added to a rule's budget before <see cref="RuleTimeoutException"/> (hand-off to the worker, scheduling jitter). Default 25 ms.</summary>
    public TimeSpan Grace { get; init; } = TimeSpan.FromMilliseconds(25);

    /// <summary>
    /// Compile scripts optimised (default false). Unoptimised rules report the exact script line when they throw; rules are
    /// small and I/O-free, and the cost of a run is dominated by the hand-off to a worker, not by the script's code.
    /// </summary>
    public bool Optimize { get; init; }

    /// <summary>
    /// Insert time-budget checks into loops and functions (default true). Off only to measure what they cost: without them a
    /// script that loops forever spins its worker for the life of the process.
    /// </summary>
    internal bool BudgetChecks { get; init; } = true;
}
