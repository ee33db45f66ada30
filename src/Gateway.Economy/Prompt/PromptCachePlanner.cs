using Gateway.Core.Models;
using Gateway.Core.Protocol.Anthropic;
using Gateway.Policy.Abstractions;
using Microsoft.Extensions.Logging;

namespace Gateway.Economy.Prompt;

/// <summary>
/// Places Anthropic prompt-cache breakpoints (<c>cache_control</c>) on a translated request (issue 5, reduction 1).
/// The model still receives every byte; caching only changes what the input costs.
/// <para>
/// The rules it plays by (Anthropic's prompt caching docs, mirrored by the simulator): at most 4 breakpoints per request;
/// the prefix is rendered tools → system → messages; a breakpoint writes the prefix up to its block, and reads by
/// checking its own position and then walking back at most 20 blocks (each tool, system block and message content block
/// counts one) for an entry an earlier request wrote; a prefix shorter than the model's minimum is neither written nor
/// read; 1h breakpoints must come before 5m ones; thinking blocks cannot carry <c>cache_control</c>.
/// </para>
/// <para>
/// The agent loop: request k+1 is request k plus the assistant's turn (text, tool_use blocks) and the user's answer
/// (tool_result blocks, or a new instruction). With parallel tool calls that is easily more than 20 blocks, so one
/// breakpoint at the end would not find what request k wrote. Breakpoints, in priority order:
/// </para>
/// <list type="number">
/// <item><b>End</b>: the last (eligible) block: writes the whole prompt, which the next request reads.</item>
/// <item><b>Previous</b>: exactly where an earlier request of the scope wrote — found by walking message boundaries
/// backwards and asking the <see cref="IPrefixHashStore"/> for their prefix hashes — or, when none is remembered (a
/// restart, another replica), the end of the previous turn (the last block before the last assistant message), which is
/// where request k's End breakpoint sat. An explicit breakpoint on the exact written position reads it at any distance.</item>
/// <item><b>System</b> and <b>Tools</b>: the end of the system prompt and of the tool definitions: what a new
/// conversation of the same client shares, and what survives a change further down (a system prompt that changes
/// between user turns still reads the tools).</item>
/// </list>
/// <para>
/// A client's own breakpoints stay and count toward the 4 (beyond 4, the earliest are removed). Only breakpoints whose
/// prefix reaches the model's minimum are placed. The profile's TTL applies to all of ours, adjusted where a client's
/// mark would otherwise put a 1h breakpoint after a 5m one. Store failures are logged and treated as "not seen".
/// Not thread-safe per request (it mutates the request); one planner serves all requests.
/// </para>
/// </summary>
public sealed class PromptCachePlanner
{
    public const int MaxBreakpoints = 4;
    public const int LookbackBlocks = 20;
    /// <summary>Minimum cacheable prefix for a model the catalogue does not know.</summary>
    public const int DefaultMinCacheableTokens = 1024;

    /// <summary>Message boundaries checked against the store per request (most recent first).</summary>
    private const int MaxMessageLookups = 10;

    private readonly IPrefixHashStore _store;
    private readonly ITokenEstimator _tokens;
    private readonly ILogger? _log;

    public PromptCachePlanner(IPrefixHashStore store, ITokenEstimator tokens, ILogger? log = null)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _tokens = tokens;
        _log = log;
    }

    /// <summary>
    /// Places the breakpoints on <paramref name="request"/> (in place) and remembers the prefixes they write under
    /// <paramref name="scope"/> (profile name + key hash: Anthropic's cache is per organization anyway; the scope keeps the
    /// tracking, and the reported hits, per tenant).
    /// </summary>
    public async ValueTask<CachePlan> ApplyAsync(MessagesRequest request, ModelEntry? model, CacheSettings config, string scope)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var serialized = SerializedMessagesRequest.Create(request);
        return await ApplyAsync(serialized, model, config, scope);
    }

    /// <summary>As above, on a request serialized once: block hashes come from its bytes; marks go on its <see cref="SerializedMessagesRequest.Request"/>.</summary>
    public async ValueTask<CachePlan> ApplyAsync(SerializedMessagesRequest serialized, ModelEntry? model, CacheSettings config, string scope)
    {
        ArgumentNullException.ThrowIfNull(serialized);
        var request = serialized.Request;
        ArgumentNullException.ThrowIfNull(config);
        var minimum = model?.MinCacheableTokens is > 0 and var m ? m : DefaultMinCacheableTokens;
        if (!config.PrefixCache) return CachePlan.Disabled(RequestTokens.Request(request, _tokens), minimum);
        // A prompt below the model's minimum cannot be cached anywhere: no breakpoint would qualify, nothing is remembered, so
        // the layout (a hash per block) is not needed. Client marks still go through the full path (the limit of 4 applies).
        if (!request.HasCacheMarks() && RequestTokens.Request(request, _tokens) is var total && total < minimum)
            return new CachePlan(true, [], total, minimum, 0, 0, false, []);
        var layout = PromptBlockLayout.Build(serialized, _tokens);

        var blocks = layout.Blocks;
        var notes = new List<string>();
        var ourTtl = config.Ttl == "1h" ? "1h" : "5m";

        // 1. The client's marks count toward the 4; beyond 4, drop the earliest (the later ones cache more).
        var client = blocks.Where(b => b.ClientMark is not null).Select(b => b.Index).ToList();
        if (client.Count > MaxBreakpoints)
        {
            foreach (var i in client.Take(client.Count - MaxBreakpoints)) Unmark(blocks[i]);
            notes.Add($"removed {client.Count - MaxBreakpoints} client cache_control marks over the limit of {MaxBreakpoints}");
            client = client.Skip(client.Count - MaxBreakpoints).ToList();
        }
        var slots = MaxBreakpoints - client.Count;
        bool Qualifies(int i) => i >= 0 && blocks[i].PrefixTokens >= minimum;

        // 2. What an earlier request wrote: message boundaries (and client marks), newest first; then system, tools.
        var end = layout.EligibleAtOrBefore(blocks.Count - 1);
        var seen = -1;
        var conversationSeen = false;
        var lookups = 0;
        var boundaries = blocks.Where(b => b.Part == PromptPart.Messages && (b.LastOfMessage || b.ClientMark is not null))
            .Select(b => layout.EligibleAtOrBefore(b.Index)).Where(Qualifies).Distinct().OrderDescending();
        foreach (var i in boundaries)
        {
            if (lookups++ >= MaxMessageLookups) break;
            if (!await SeenAsync(scope, blocks[i].Hash)) continue;
            seen = i;
            conversationSeen = true;
            break;
        }
        var systemEnd = layout.EligibleAtOrBefore(blocks.FindLastIndexOf(b => b.Part == PromptPart.System));
        var toolsEnd = blocks.FindLastIndexOf(b => b.Part == PromptPart.Tools);
        if (seen < 0)
            foreach (var i in new[] { systemEnd, toolsEnd })
                if (Qualifies(i) && await SeenAsync(scope, blocks[i].Hash)) { seen = i; break; }

        // 3. Ours, by priority, where the prefix reaches the minimum and no mark sits already.
        var previous = conversationSeen ? seen : PreviousTurnEnd(request, layout);
        var candidates = new List<(int Block, BreakpointRole Role)> { (end, BreakpointRole.End), (previous, BreakpointRole.Previous), (systemEnd, BreakpointRole.System), (toolsEnd, BreakpointRole.Tools) };
        // One slot left and the remembered prefix is out of the End's lookback: reading it beats writing everything.
        if (slots == 1 && conversationSeen && end - previous >= LookbackBlocks) candidates.Reverse(0, 2);
        var chosen = new List<(int Block, BreakpointRole Role)>();
        foreach (var (block, role) in candidates)
        {
            if (chosen.Count >= slots) break;
            if (!Qualifies(block) || client.Contains(block) || chosen.Any(c => c.Block == block)) continue;
            chosen.Add((block, role));
        }

        // 4. TTLs: 1h breakpoints must precede 5m ones. Ours follow the profile, except after a client 5m mark (then 5m)
        //    or before a client 1h mark (then 1h: that prefix is billed as a 1h write anyway).
        var placed = new List<CacheBreakpoint>();
        foreach (var (block, role) in chosen)
        {
            var ttl = ourTtl;
            if (ttl == "1h" && client.Any(c => c < block && !IsOneHour(blocks[c].ClientMark!))) ttl = "5m";
            else if (ttl == "5m" && client.Any(c => c > block && IsOneHour(blocks[c].ClientMark!))) ttl = "1h";
            if (ttl != ourTtl) notes.Add($"{blocks[block].Location}: ttl {ttl} (keeps 1h breakpoints before 5m ones)");
            blocks[block].Mark(MessagesRequestCacheControl.Ephemeral(ttl == "1h" ? "1h" : null));
            placed.Add(new CacheBreakpoint(blocks[block].Location, block, role, blocks[block].PrefixTokens, ttl, block == seen));
        }
        foreach (var c in client)
            placed.Add(new CacheBreakpoint(blocks[c].Location, c, BreakpointRole.Client, blocks[c].PrefixTokens,
                IsOneHour(blocks[c].ClientMark!) ? "1h" : "5m", c == seen));
        placed.Sort((a, b) => a.Block.CompareTo(b.Block));

        // 5. Expected billing: the remembered prefix is read when a breakpoint reaches it (at most 20 blocks back);
        //    writes run from there to the last breakpoint that reaches the minimum.
        var effective = placed.Where(p => Qualifies(p.Block)).ToList();
        var readable = seen >= 0 && effective.Any(p => p.Block >= seen && p.Block - seen < LookbackBlocks);
        var read = readable ? blocks[seen].PrefixTokens : 0;
        var write = effective.Count > 0 ? Math.Max(0, effective[^1].PrefixTokens - read) : 0;

        // 6. Remember what this request writes (and refresh what it reads).
        foreach (var p in effective)
            await RememberAsync(scope, blocks[p.Block].Hash, p.Ttl == "1h" ? TimeSpan.FromHours(1) : TimeSpan.FromMinutes(5));

        return new CachePlan(true, placed, layout.TotalTokens, minimum, read, write, conversationSeen && readable, notes);
    }

    /// <summary>The last block before the last assistant message that precedes the final message: where the previous request ended.</summary>
    private static int PreviousTurnEnd(MessagesRequest request, PromptBlockLayout layout)
    {
        var messages = request.Messages;
        for (var a = messages.Count - 2; a > 0; a--)
        {
            if (messages[a].Role != "assistant") continue;
            var last = layout.Blocks.FindLastIndexOf(b => b.Message >= 0 && b.Message < a);
            return layout.EligibleAtOrBefore(last);
        }
        return -1;
    }

    private static bool IsOneHour(MessagesRequestCacheControl cc) => cc.Ttl == "1h";

    private static void Unmark(PromptBlock block)
    {
        if (block.Tool is not null) block.Tool.CacheControl = null;
        if (block.Content is { } content)
        {
            content.CacheControl = null;
            foreach (var inner in content.Content ?? []) inner.CacheControl = null;
        }
        block.ClientMark = null;
    }

    private async ValueTask<bool> SeenAsync(string scope, string hash)
    {
        try
        {
            return await _store.SeenAsync(scope, hash);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _log?.LogWarning(e, "Prefix hash store failed on lookup; planning without it");
            return false;
        }
    }

    private async ValueTask RememberAsync(string scope, string hash, TimeSpan ttl)
    {
        try
        {
            await _store.RememberAsync(scope, hash, ttl);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _log?.LogWarning(e, "Prefix hash store failed on write; the next request falls back to the previous-turn breakpoint");
        }
    }
}

internal static class PromptBlockListExtensions
{
    public static int FindLastIndexOf(this IReadOnlyList<PromptBlock> blocks, Func<PromptBlock, bool> match)
    {
        for (var i = blocks.Count - 1; i >= 0; i--)
            if (match(blocks[i])) return i;
        return -1;
    }
}
