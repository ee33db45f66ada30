namespace Gateway.Simulator.Caching;

/// <summary>A <c>cache_control</c> breakpoint: the prefix up to and including block <paramref name="Block"/> (render order) is cached.</summary>
/// <param name="Block">Index of the block in render order (tools, then system, then messages).</param>
/// <param name="OneHour"><c>ttl: "1h"</c>; otherwise the default 5 minutes.</param>
internal readonly record struct Breakpoint(int Block, bool OneHour)
{
    public TimeSpan Ttl => OneHour ? TimeSpan.FromHours(1) : TimeSpan.FromMinutes(5);
}
