namespace Gateway.Policy.Scripting;

/// <summary>
/// Thrown by an inserted budget check inside a script that ran out of time or allocated more than its memory budget. Never
/// seen by the pipeline: <see cref="CompiledScriptRule.Apply"/> reports the run as a <see cref="RuleTimeoutException"/> or a
/// <see cref="RuleMemoryBudgetException"/>.
/// </summary>
internal sealed class ScriptBudgetExceededException(string message = ScriptBudgetExceededException.TimeMessage) : OperationCanceledException(message)
{
    internal const string TimeMessage = "The rule's time budget is spent: the run was stopped at a budget check.";
    internal const string MemoryMessage = "The rule allocated more than its memory budget: the run was stopped at a budget check.";
}
