namespace Gateway.Policy.Abstractions;

/// <summary>One thing a rule did to a request, with its estimated effect: the material of logs, headers and <c>policy explain</c>.</summary>
/// <param name="RuleId">The rule.</param>
/// <param name="Action">route, replace_text, system_note or tag.</param>
/// <param name="Detail">A human-readable description (reason, target, what was cut).</param>
/// <param name="TokensBefore">Estimated tokens of the affected text before (0 when not applicable).</param>
/// <param name="TokensAfter">Estimated tokens after.</param>
public sealed record PolicyChange(string RuleId, string Action, string Detail, int TokensBefore, int TokensAfter)
{
    /// <summary>Tokens saved (negative when the change added text).</summary>
    public int TokensSaved => TokensBefore - TokensAfter;
}
