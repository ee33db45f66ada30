namespace Gateway.Policy.Abstractions;

/// <summary>Where a rule writes diagnostics; lines are tagged with the rule id and the request, and never reach the client.</summary>
public interface IPolicyLog
{
    /// <summary>An informational line.</summary>
    void Info(string message);

    /// <summary>A warning line.</summary>
    void Warn(string message);
}
