using System.Text.Json;

namespace Gateway.Simulator.Caching;

/// <summary>
/// A validated request as the prompt cache sees it: its blocks in render order (each tool, each system block,
/// each message content block: "Cache prefixes are created in the following order: tools, system, then messages"),
/// the token count of every prefix, and its <c>cache_control</c> breakpoints.
/// Token counts use <see cref="TokenEstimator"/>'s per-block rules, so <see cref="TotalTokens"/> equals the request
/// estimate and read + written + uncached always add up to it.
/// Steps: 1. walk tools, system, messages into blocks; 2. collect explicit breakpoints and check TTL order;
/// 3. place the top-level (automatic) breakpoint.
/// </summary>
internal sealed class PromptLayout
{
    /// <summary>"The lookback window is 20 blocks ... counting the breakpoint itself as the first" (prompt caching docs).</summary>
    public const int LookbackBlocks = 20;

    private readonly List<PromptBlock> _blocks = [];
    private readonly List<long> _cumChars = [];
    private readonly List<long> _cumImages = [];
    private readonly List<Breakpoint> _breakpoints = [];
    private long _totalChars;
    private long _totalImages;

    private PromptLayout(JsonElement root) => Root = root;

    /// <summary>The request body (valid while its JsonDocument lives).</summary>
    public JsonElement Root { get; }

    public IReadOnlyList<PromptBlock> Blocks => _blocks;

    /// <summary>Breakpoints in render order, at most one per block.</summary>
    public IReadOnlyList<Breakpoint> Breakpoints => _breakpoints;

    public int TotalTokens => TokenEstimator.Tokens(_totalChars, _totalImages);

    /// <summary>Whether any image appears anywhere in the prompt (images invalidate the messages cache).</summary>
    public bool HasImages => _totalImages > 0;

    /// <summary>Tokens of the prefix up to and including <paramref name="block"/>.</summary>
    public int PrefixTokens(int block) => (int)((_cumChars[block] + 3) / 4 + _cumImages[block] * TokenEstimator.TokensPerImage);

    public static PromptLayout Build(JsonElement root)
    {
        var layout = new PromptLayout(root);
        var marks = new List<(int Block, bool OneHour, string Path)>();

        // 1 + 2. Blocks and explicit breakpoints, in render order.
        if (root.TryGetProperty("tools", out var tools) && tools.ValueKind == JsonValueKind.Array)
        {
            var i = 0;
            foreach (var tool in tools.EnumerateArray())
                layout.Add(new PromptBlock(tool, BlockKind.Tool, "tools." + i++, null, AutoEligible: true), TokenEstimator.ToolChars(tool), 0, marks);
        }
        if (root.TryGetProperty("system", out var system))
        {
            if (system.ValueKind == JsonValueKind.String && system.GetString()!.Length > 0)
                layout.Add(new PromptBlock(system, BlockKind.Text, "system", null, AutoEligible: true), system.GetString()!.Length, 0, marks);
            else if (system.ValueKind == JsonValueKind.Array)
            {
                var i = 0;
                foreach (var block in system.EnumerateArray())
                    layout.Add(new PromptBlock(block, BlockKind.Object, "system." + i++, null, AutoEligible: true), TokenEstimator.Chars(block), 0, marks);
            }
        }
        long pending = 0;
        if (root.TryGetProperty("messages", out var messages))
        {
            var m = 0;
            foreach (var message in messages.EnumerateArray())
            {
                var path = "messages." + m++;
                var role = message.GetProperty("role").GetString()!;
                var content = message.GetProperty("content");
                pending += role.Length;
                if (content.ValueKind == JsonValueKind.String)
                {
                    if (content.GetString()!.Length == 0) continue;
                    layout.Add(new PromptBlock(content, BlockKind.Text, path + ".content", role, AutoEligible: true), pending + content.GetString()!.Length, 0, marks);
                    pending = 0;
                    continue;
                }
                var j = 0;
                string? startsRole = role;
                foreach (var block in content.EnumerateArray())
                {
                    var type = block.TryGetProperty("type", out var t) ? t.GetString() : null;
                    var eligible = type is not ("thinking" or "redacted_thinking");
                    layout.Add(new PromptBlock(block, BlockKind.Object, path + ".content." + j++, startsRole, eligible), pending + TokenEstimator.Chars(block), Images(block), marks);
                    pending = 0;
                    startsRole = null;
                }
            }
        }
        layout._totalChars += pending;

        // "A ttl='1h' cache_control block must not come after a ttl='5m' cache_control block" (a 400; the docs,
        // "Mixing different TTLs": entries with longer TTL must appear before shorter TTLs).
        var seenShort = false;
        foreach (var (_, oneHour, path) in marks)
        {
            if (oneHour && seenShort)
                throw ApiErrorException.Invalid($"{path}.cache_control.ttl: a ttl='1h' cache_control block must not come after a ttl='5m' cache_control block. " +
                                                "Blocks are processed in the following order: `tools`, `system`, `messages`.");
            seenShort |= !oneHour;
        }
        foreach (var group in marks.GroupBy(x => x.Block))
            layout._breakpoints.Add(new Breakpoint(group.Key, group.Any(x => x.OneHour)));

        // 3. Automatic caching: a top-level cache_control applies to the last cacheable block.
        if (root.TryGetProperty("cache_control", out var auto) && auto.ValueKind == JsonValueKind.Object)
            layout.PlaceAutomatic(IsOneHour(auto), marks.Count);
        return layout;
    }

    /// <summary>
    /// Docs, "Automatic caching / Edge cases": the last block already marked with the same TTL: no-op; with another
    /// TTL: 400; four explicit breakpoints already: 400; the last block not eligible: walk back to the nearest
    /// eligible one, none: no caching.
    /// </summary>
    private void PlaceAutomatic(bool oneHour, int explicitMarks)
    {
        var target = _blocks.FindLastIndex(b => b.AutoEligible);
        if (target < 0) return;
        var existing = _breakpoints.FindIndex(b => b.Block == target);
        if (existing >= 0)
        {
            if (_breakpoints[existing].OneHour == oneHour) return;
            throw ApiErrorException.Invalid($"cache_control: the top-level cache_control (ttl '{(oneHour ? "1h" : "5m")}') conflicts with the cache_control of {_blocks[target].Path} (ttl '{(oneHour ? "5m" : "1h")}').");
        }
        if (explicitMarks >= 4)
            throw ApiErrorException.Invalid("cache_control: a top-level cache_control needs a free breakpoint slot; a maximum of 4 blocks with cache_control may be provided. Found 4 block-level breakpoints.");
        if (oneHour && _breakpoints.Any(b => !b.OneHour))
            throw ApiErrorException.Invalid("cache_control.ttl: a ttl='1h' cache_control block must not come after a ttl='5m' cache_control block. " +
                                            "Blocks are processed in the following order: `tools`, `system`, `messages`.");
        _breakpoints.Add(new Breakpoint(target, oneHour));
    }

    private void Add(PromptBlock block, long chars, long images, List<(int, bool, string)> marks)
    {
        _totalChars += chars;
        _totalImages += images;
        _blocks.Add(block);
        _cumChars.Add(_totalChars);
        _cumImages.Add(_totalImages);
        var index = _blocks.Count - 1;
        if (block.Element.ValueKind != JsonValueKind.Object) return;
        if (block.Element.TryGetProperty("cache_control", out var cc) && cc.ValueKind == JsonValueKind.Object)
            marks.Add((index, IsOneHour(cc), block.Path));
        // A cache_control on a block nested in a tool_result marks the enclosing top-level block.
        if (block.Element.TryGetProperty("content", out var inner) && inner.ValueKind == JsonValueKind.Array)
        {
            var k = 0;
            foreach (var sub in inner.EnumerateArray())
            {
                if (sub.ValueKind == JsonValueKind.Object && sub.TryGetProperty("cache_control", out var scc) && scc.ValueKind == JsonValueKind.Object)
                    marks.Add((index, IsOneHour(scc), block.Path + ".content." + k));
                k++;
            }
        }
    }

    private static bool IsOneHour(JsonElement cc) =>
        cc.TryGetProperty("ttl", out var ttl) && ttl.ValueKind == JsonValueKind.String && ttl.GetString() == "1h";

    /// <summary>Image blocks in a content block, including those inside a tool_result (the validator's count).</summary>
    private static long Images(JsonElement block)
    {
        if (block.ValueKind != JsonValueKind.Object || !block.TryGetProperty("type", out var type)) return 0;
        if (type.GetString() == "image") return 1;
        if (type.GetString() != "tool_result" || !block.TryGetProperty("content", out var inner) || inner.ValueKind != JsonValueKind.Array) return 0;
        long n = 0;
        foreach (var sub in inner.EnumerateArray()) n += Images(sub);
        return n;
    }
}

/// <summary>How a block is rendered into the prefix hash.</summary>
internal enum BlockKind
{
    /// <summary>A tool definition object.</summary>
    Tool,
    /// <summary>String content (system or message): hashed as the text block it stands for.</summary>
    Text,
    /// <summary>A content block object.</summary>
    Object,
}

/// <summary>One block in render order.</summary>
/// <param name="Element">The JSON of the block (a string for <see cref="BlockKind.Text"/>).</param>
/// <param name="Path">The request path, for error messages (<c>messages.3.content.0</c>).</param>
/// <param name="StartsMessage">The role when this block opens a message; null otherwise.</param>
/// <param name="AutoEligible">Whether automatic caching may place its breakpoint here (not on thinking blocks).</param>
internal readonly record struct PromptBlock(JsonElement Element, BlockKind Kind, string Path, string? StartsMessage, bool AutoEligible);
