namespace Gateway.Economy.Prompt;

/// <summary>Why a breakpoint is where it is.</summary>
public enum BreakpointRole
{
    /// <summary>The client's own <c>cache_control</c>, left as sent (it counts toward the 4).</summary>
    Client,
    /// <summary>End of the tool definitions (shared by every conversation with the same tools).</summary>
    Tools,
    /// <summary>End of the system prompt (tools + system, shared by new conversations of the same client).</summary>
    System,
    /// <summary>Where an earlier request wrote (remembered prefix hash) or, with none remembered, the end of the previous turn: the read.</summary>
    Previous,
    /// <summary>End of the request: writes the prefix the next request of the session will read.</summary>
    End,
}

/// <summary>One <c>cache_control</c> breakpoint of the final request.</summary>
/// <param name="Location">Request path of the block that carries it, e.g. <c>messages.6.content.0</c>.</param>
/// <param name="Block">Index in render order (tools, system, message blocks).</param>
/// <param name="PrefixTokens">Estimated tokens of the prefix it caches.</param>
/// <param name="Ttl"><c>5m</c> or <c>1h</c>.</param>
/// <param name="Seen">Whether the prefix hash was remembered from an earlier request of the scope (expected read).</param>
public sealed record CacheBreakpoint(string Location, int Block, BreakpointRole Role, int PrefixTokens, string Ttl, bool Seen);

/// <summary>What <see cref="PromptCachePlanner"/> did to one request, and what it expects Anthropic to bill.</summary>
/// <param name="Enabled">False when the profile turned prefix caching off (nothing placed).</param>
/// <param name="Breakpoints">Every breakpoint of the final request (the client's included), in render order; at most 4.</param>
/// <param name="TotalTokens">Estimated input tokens of the request.</param>
/// <param name="MinCacheableTokens">The model's minimum cacheable prefix used.</param>
/// <param name="ExpectedReadTokens">Prefix tokens expected to be read from cache (the longest remembered prefix a breakpoint can reach).</param>
/// <param name="ExpectedWriteTokens">Tokens expected to be written (from the read up to the last breakpoint).</param>
/// <param name="PreviousPrefixSeen">Whether a prefix of the conversation (a message boundary) was remembered from an earlier request: the session's cache hit.</param>
/// <param name="Notes">Short notes of adjustments (client marks dropped over 4, TTLs changed to keep 1h before 5m).</param>
public sealed record CachePlan(
    bool Enabled,
    IReadOnlyList<CacheBreakpoint> Breakpoints,
    int TotalTokens,
    int MinCacheableTokens,
    int ExpectedReadTokens,
    int ExpectedWriteTokens,
    bool PreviousPrefixSeen,
    IReadOnlyList<string> Notes)
{
    public static CachePlan Disabled(int totalTokens, int minimum) => new(false, [], totalTokens, minimum, 0, 0, false, []);

    /// <summary>Breakpoints the planner added (not the client's).</summary>
    public int Added => Breakpoints.Count(b => b.Role != BreakpointRole.Client);

    /// <summary>Short form for logs and headers: <c>bp=4; read=12034; write=812; seen=1</c>.</summary>
    public override string ToString() =>
        Enabled ? $"bp={Breakpoints.Count}; read={ExpectedReadTokens}; write={ExpectedWriteTokens}; seen={(PreviousPrefixSeen ? 1 : 0)}" : "off";
}
