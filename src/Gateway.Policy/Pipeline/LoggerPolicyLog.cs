using Gateway.Policy.Abstractions;
using Microsoft.Extensions.Logging;

namespace Gateway.Policy.Pipeline;

/// <summary>An <see cref="IPolicyLog"/> over an <see cref="ILogger"/>: each line carries the id of the rule that wrote it.</summary>
public sealed class LoggerPolicyLog(ILogger logger, Func<string> currentRuleId) : IPolicyLog
{
    public void Info(string message) => logger.LogInformation("Policy rule {RuleId}: {Message}", currentRuleId(), message);
    public void Warn(string message) => logger.LogWarning("Policy rule {RuleId}: {Message}", currentRuleId(), message);
}
