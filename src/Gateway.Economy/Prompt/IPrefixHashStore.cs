namespace Gateway.Economy.Prompt;

/// <summary>
/// Which prompt prefixes the gateway has already asked Anthropic to cache, per scope (profile name + key hash), so the
/// <see cref="PromptCachePlanner"/> can put a breakpoint exactly where the previous request wrote (a read, whatever
/// the distance in blocks) and report expected hits. A hint, never a promise: Anthropic may have evicted the entry.
/// Implementations must be thread-safe; they may fail (the planner treats a failure as "not seen" and keeps going).
/// </summary>
public interface IPrefixHashStore
{
    /// <summary>Whether <paramref name="prefixHash"/> was remembered for <paramref name="scope"/> and has not expired.</summary>
    ValueTask<bool> SeenAsync(string scope, string prefixHash);

    /// <summary>Remembers <paramref name="prefixHash"/> for <paramref name="ttl"/> from now (a later call extends it, like a cache hit refreshes the entry).</summary>
    ValueTask RememberAsync(string scope, string prefixHash, TimeSpan ttl);
}
