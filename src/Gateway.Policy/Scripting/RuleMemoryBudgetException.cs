namespace Gateway.Policy.Scripting;

/// <summary>
/// A script rule allocated more than its memory budget (<c>memory_mb</c>) in one run: a budget check stopped it, or the run
/// ended over budget. The pipeline rolls the rule back and counts the failure, like a timeout.
/// </summary>
public sealed class RuleMemoryBudgetException : Exception
{
    public RuleMemoryBudgetException(string ruleId, long budgetBytes, long allocatedBytes)
        : base($"Rule '{ruleId}' allocated {Mib(allocatedBytes)} MiB, over its memory budget of {Mib(budgetBytes)} MiB: the run was stopped.")
    {
        RuleId = ruleId;
        BudgetBytes = budgetBytes;
        AllocatedBytes = allocatedBytes;
    }

    /// <summary>The step id (<c>rule:ID</c>).</summary>
    public string RuleId { get; }

    /// <summary>The budget the rule had, in bytes.</summary>
    public long BudgetBytes { get; }

    /// <summary>Bytes the run's thread had allocated when it was found over budget (the script's own and those of the calls it made).</summary>
    public long AllocatedBytes { get; }

    private static string Mib(long bytes) => (bytes / (1024.0 * 1024)).ToString("0.#", System.Globalization.CultureInfo.InvariantCulture);
}
