namespace Gateway.Policy.Abstractions;

/// <summary>The sampling and output parameters of the request, read-only for rules.</summary>
/// <param name="MaxTokens">max_tokens / max_completion_tokens, if sent.</param>
/// <param name="Temperature">temperature, if sent.</param>
/// <param name="TopP">top_p, if sent.</param>
/// <param name="Stream">Whether the client asked for a stream.</param>
/// <param name="ReasoningEffort">reasoning_effort, if sent.</param>
/// <param name="HasTools">True when the request offers tools.</param>
public sealed record RequestParameters(int? MaxTokens, double? Temperature, double? TopP, bool Stream, string? ReasoningEffort, bool HasTools);
