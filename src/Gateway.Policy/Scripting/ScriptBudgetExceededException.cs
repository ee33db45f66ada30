namespace Gateway.Policy.Scripting;

/// <summary>
/// Thrown by an inserted budget check inside a script that ran out of time. Never seen by the pipeline:
/// <see cref="CompiledScriptRule.Apply"/> reports the run as a <see cref="RuleTimeoutException"/>.
/// </summary>
internal sealed class ScriptBudgetExceededException() : OperationCanceledException("The rule's time budget is spent: the run was stopped at a budget check.");
