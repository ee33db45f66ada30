using System.Text.Json;
using Gateway.Policy.Abstractions;
using Gateway.Policy.Configuration;

namespace Gateway.Policy.BuiltIn.Dedup;

/// <summary>One planned replacement of a tool result's text.</summary>
/// <param name="Block">The later copy.</param>
/// <param name="Text">Its new text: the header, then the reference (and, for a near-duplicate, the unified diff).</param>
/// <param name="Source">The earlier block it refers to: a tool result, or a tool call when <paramref name="SourceArgument"/> is set.</param>
/// <param name="IsDiff">True for a near-duplicate sent as a diff.</param>
/// <param name="SourceArgument">The tool-call argument whose value the content repeats (e.g. <c>content</c> of a Write), or null.</param>
public sealed record DedupReplacement(BlockView Block, string Text, BlockView Source, bool IsDiff, string? SourceArgument = null);

/// <summary>
/// Plans the de-duplication of a request's tool results, walking them in order:
/// <list type="number">
/// <item>split each result into header and content (<see cref="ToolResultShape"/>);</item>
/// <item>content (at least <see cref="DedupConfig.MinChars"/> chars) equal to the content of an EARLIER result becomes
///   <c>[identical to the result of Read call_abc above]</c> under its own header, naming the FIRST result with that content; content
///   equal to a top-level string argument of an earlier tool call (a file the agent wrote, then read back) becomes
///   <c>[identical to the "content" argument of Write call_abc above]</c> (tool calls themselves are never changed);</item>
/// <item>otherwise, with <see cref="DedupConfig.DiffNearDuplicates"/>, content whose unified diff (<see cref="LineDiff"/>) against the most
///   recent earlier result of the same kind (same header line, or same tool and arguments) is shorter than
///   <see cref="DedupConfig.DiffMaxRatio"/> of it becomes <c>[same as the result of Read call_abc above, with these changes:]</c> and the diff;</item>
/// <item>identity and diffs are computed on the results' content as it came in (an earlier copy that is itself replaced still counts
///   with its full content), so a later copy never depends on how an earlier one was sent.</item>
/// </list>
/// Never replaced: first copies, results without a call id (nothing to name), results with images (the reference would speak for the
/// text only), anything in the latest user message, and replacements that would not be shorter. A block's replacement depends only on
/// its own text and the results before it, which an append-only history never changes: history-stable. Stateless and thread-safe.
/// </summary>
public static class ToolResultDeduplicator
{
    public static IReadOnlyList<DedupReplacement> Plan(IReadOnlyList<MessageView> messages, DedupConfig config)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(config);
        var plan = new List<DedupReplacement>();
        var firstByContent = new Dictionary<string, (BlockView Block, string? Argument)>(StringComparer.Ordinal);
        var latestByKind = new Dictionary<string, (BlockView Block, string Body)>(StringComparer.Ordinal);
        var callArguments = new Dictionary<string, string>(StringComparer.Ordinal);

        foreach (var message in messages)
        {
            var hasImage = message.Blocks.Any(b => b.Kind == BlockKind.Image);
            foreach (var block in message.Blocks)
            {
                if (block.Kind == BlockKind.ToolCall)
                {
                    if (string.IsNullOrEmpty(block.ToolCallId)) continue;
                    callArguments[block.ToolCallId] = block.Text;
                    foreach (var (name, value) in StringArguments(block.Text, Math.Max(1, config.MinChars)))
                        firstByContent.TryAdd(value, (block, name));
                    continue;
                }
                if (block.Kind != BlockKind.ToolResult || hasImage || string.IsNullOrEmpty(block.ToolCallId)) continue;

                var text = block.Text;
                var (header, body) = ToolResultShape.Split(text);
                var kind = KindKey(header, block, callArguments);
                if (!message.IsLatestUserMessage && body.Length >= Math.Max(1, config.MinChars))
                {
                    string? replacement = null;
                    var isDiff = false;
                    BlockView? source = null;
                    string? argument = null;
                    if (firstByContent.TryGetValue(body, out var first))
                    {
                        source = first.Block;
                        argument = first.Argument;
                        replacement = header + (first.Argument is null ? Reference("identical to", first.Block) : ArgumentReference(first.Block, first.Argument)) + "]";
                    }
                    else if (config.DiffNearDuplicates && kind is not null && latestByKind.TryGetValue(kind, out var earlier)
                             && Diff(earlier.Body, body, config.DiffMaxRatio) is { } diff)
                    {
                        source = earlier.Block;
                        isDiff = true;
                        replacement = header + Reference("same as", earlier.Block) + ", with these changes:]\n" + diff;
                    }
                    if (replacement is not null && replacement.Length < text.Length) plan.Add(new DedupReplacement(block, replacement, source!, isDiff, argument));
                }
                firstByContent.TryAdd(body, (block, null));
                if (kind is not null) latestByKind[kind] = (block, body);
            }
        }
        return plan;
    }

    /// <summary><c>[identical to the result of Read call_abc above</c> (no closing bracket), or <c>the tool result call_abc</c> when the tool is unknown.</summary>
    public static string Reference(string phrase, BlockView source) =>
        string.IsNullOrEmpty(source.ToolName)
            ? $"[{phrase} the tool result {source.ToolCallId} above"
            : $"[{phrase} the result of {source.ToolName} {source.ToolCallId} above";

    /// <summary><c>[identical to the "content" argument of Write call_abc above</c> (no closing bracket).</summary>
    public static string ArgumentReference(BlockView call, string argument) =>
        $"[identical to the \"{argument}\" argument of {(string.IsNullOrEmpty(call.ToolName) ? "the tool call" : call.ToolName)} {call.ToolCallId} above";

    /// <summary>The top-level string values of a tool call's JSON arguments at least <paramref name="minChars"/> long; none when not a JSON object.</summary>
    private static IEnumerable<(string Name, string Value)> StringArguments(string json, int minChars)
    {
        if (json.Length < minChars) return [];
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) return [];
            var found = new List<(string, string)>();
            foreach (var p in doc.RootElement.EnumerateObject())
                if (p.Value.ValueKind == JsonValueKind.String && p.Value.GetString() is { } v && v.Length >= minChars) found.Add((p.Name, v));
            return found;
        }
        catch (JsonException)
        {
            return [];
        }
    }

    /// <summary>Which earlier result a re-read is compared with: the same header line, else the same tool with the same arguments.</summary>
    private static string? KindKey(string header, BlockView block, Dictionary<string, string> callArguments)
    {
        if (ToolResultShape.HeaderLine(header) is { } line) return "h\0" + line;
        if (block.ToolName is { } name && callArguments.TryGetValue(block.ToolCallId!, out var args)) return "a\0" + name + "\0" + args;
        return null;
    }

    /// <summary>The diff when it is shorter than <paramref name="maxRatio"/> of <paramref name="body"/>, else null.</summary>
    private static string? Diff(string earlier, string body, double maxRatio)
    {
        var limit = (int)Math.Min(int.MaxValue, body.Length * Math.Clamp(maxRatio, 0, 1));
        if (limit <= 0) return null;
        // Every changed line costs at least two chars ("+\n"), so more edits than limit / 2 cannot give a diff short enough.
        var maxEdits = Math.Min(LineDiff.DefaultMaxEdits, limit / 2 + 1);
        var diff = LineDiff.Unified(earlier, body, LineDiff.DefaultContext, maxEdits);
        return diff is { Length: > 0 } && diff.Length < limit ? diff : null;
    }
}
