namespace Gateway.Core.Models;

/// <summary>One Claude model as listed in <c>policies/models.yaml</c>.</summary>
/// <param name="Id">Anthropic API model id, e.g. <c>claude-sonnet-5-5</c>.</param>
/// <param name="DisplayName">Human-readable name, e.g. <c>Claude Sonnet 5.5</c>.</param>
/// <param name="ContextWindow">Input context window in tokens.</param>
/// <param name="MaxOutputTokens">Largest <c>max_tokens</c> the model accepts on the Messages API.</param>
/// <param name="Prices">USD per million tokens.</param>
/// <param name="MinCacheableTokens">Shortest prompt prefix the model caches (prompt caching docs).</param>
/// <param name="Rules">What the model accepts and rejects.</param>
public sealed record ModelEntry(
    string Id,
    string DisplayName,
    int ContextWindow,
    int MaxOutputTokens,
    ModelPrices Prices,
    int MinCacheableTokens,
    ModelParameterRules Rules);

/// <summary>USD per million tokens.</summary>
public sealed record ModelPrices(decimal Input, decimal Output, decimal CacheWrite5m, decimal CacheWrite1h, decimal CacheRead);
