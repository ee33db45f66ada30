namespace Gateway.Simulator.Caching;

/// <summary>
/// The input side of <c>usage</c> as the Messages API reports it (prompt caching docs, "Tracking cache performance"):
/// <c>input_tokens</c> are the tokens after the last breakpoint (neither read nor written), and
/// total input = <c>cache_read_input_tokens</c> + <c>cache_creation_input_tokens</c> + <c>input_tokens</c>.
/// </summary>
internal readonly record struct CacheUsage(int InputTokens, int CacheReadTokens, int Write5mTokens, int Write1hTokens)
{
    /// <summary>Equals the sum of the <c>cache_creation</c> object's fields (docs, "1-hour cache duration").</summary>
    public int CacheCreationTokens => Write5mTokens + Write1hTokens;

    public int TotalInputTokens => InputTokens + CacheReadTokens + CacheCreationTokens;

    public static CacheUsage Uncached(int inputTokens) => new(inputTokens, 0, 0, 0);
}
