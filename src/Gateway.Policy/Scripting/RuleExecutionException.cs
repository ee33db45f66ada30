using Gateway.Policy.Configuration;

namespace Gateway.Policy.Scripting;

/// <summary>A script rule threw. Carries the rule id and, when the stack trace has it, the script line that threw.</summary>
public sealed class RuleExecutionException : Exception
{
    public RuleExecutionException(string ruleId, SourceLocation location, Exception inner)
        : base($"Rule '{ruleId}' failed{(location.Line > 0 ? " at " + location : "")}: {inner.GetType().Name}: {inner.Message}", inner)
    {
        RuleId = ruleId;
        Location = location;
    }

    /// <summary>The step id (<c>rule:ID</c>).</summary>
    public string RuleId { get; }

    /// <summary>The .csx file and, when known, the line that threw (<see cref="SourceLocation.None"/>-like line 0 when unknown).</summary>
    public SourceLocation Location { get; }
}
