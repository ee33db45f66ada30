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
    ModelParameterRules Rules)
{
    /// <summary>
    /// Other ids the Anthropic API accepts for this same model (<c>api_aliases</c>, e.g. <c>claude-sonnet-4-5</c> for
    /// <c>claude-sonnet-4-5-20250929</c>). They pass through unchanged and get this entry's limits and rules.
    /// </summary>
    public IReadOnlyList<string> ApiAliases { get; init; } = [];

    // Value equality including the alias list (a record compares lists by reference).
    public bool Equals(ModelEntry? other) =>
        other is not null && Id == other.Id && DisplayName == other.DisplayName && ContextWindow == other.ContextWindow
        && MaxOutputTokens == other.MaxOutputTokens && Prices == other.Prices && MinCacheableTokens == other.MinCacheableTokens
        && Rules == other.Rules && ApiAliases.SequenceEqual(other.ApiAliases);

    public override int GetHashCode() => HashCode.Combine(Id, ContextWindow, MaxOutputTokens, Prices, MinCacheableTokens, Rules);
}

/// <summary>USD per million tokens.</summary>
public sealed record ModelPrices(decimal Input, decimal Output, decimal CacheWrite5m, decimal CacheWrite1h, decimal CacheRead);
