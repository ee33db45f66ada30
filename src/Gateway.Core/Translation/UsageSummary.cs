namespace Gateway.Core.Translation;

/// <summary>
/// Usage as billed upstream plus what the gateway reports; one shape for logs and (later) the usage ledger.
/// Anthropic's <c>input_tokens</c> excludes cached tokens, so the OpenAI <c>prompt_tokens</c> adds both cache counts back.
/// </summary>
public sealed record UsageSummary(int InputTokens, int OutputTokens, int CacheCreationInputTokens, int CacheReadInputTokens)
{
    /// <summary>OpenAI <c>prompt_tokens</c>: input + cache creation + cache read.</summary>
    public int PromptTokens => InputTokens + CacheCreationInputTokens + CacheReadInputTokens;

    /// <summary>OpenAI <c>total_tokens</c>.</summary>
    public int TotalTokens => PromptTokens + OutputTokens;

    public static readonly UsageSummary Zero = new(0, 0, 0, 0);
}
