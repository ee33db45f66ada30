using System.Globalization;
using Gateway.Policy.Abstractions;
using Gateway.Policy.Configuration;
using Gateway.Policy.Pipeline;
using Gateway.Policy.Tokens;

namespace Gateway.Policy.BuiltIn;

/// <summary>
/// <c>cap_content</c>: caps system text, user text (never the latest user message) and tool results, in tokens or chars. A block over
/// its cap keeps its head (<see cref="CapsConfig.HeadShare"/> of the cap) and its tail, cut at line boundaries when one is near, with
/// the marker (<c>{cut}</c>, <c>{unit}</c>, <c>{hint}</c> filled) in place of the middle. The result depends only on the block's text and
/// the configuration, so the same block is cut the same way wherever it sits in the history.
/// </summary>
public sealed class ContentCapStep(CapsConfig config, BuiltInStepOptions options) : BuiltInStep(BuiltInSteps.CapContent, options)
{
    /// <summary>How far back (share of the kept part) a cut may move to land on a line boundary.</summary>
    private const double LineSnap = 0.2;

    private readonly CapsConfig _config = config ?? throw new ArgumentNullException(nameof(config));

    public override void Apply(PolicyContext context, RuleScope scope, ResponseView? response)
    {
        foreach (var message in context.Request.Messages)
        {
            if (message.IsLatestUserMessage) continue;
            foreach (var block in message.Blocks)
            {
                var (cap, hint) = (message.Role, block.Kind) switch
                {
                    (MessageRole.System, BlockKind.Text) => (_config.System, _config.TextHint),
                    (MessageRole.User, BlockKind.Text) => (_config.User, _config.TextHint),
                    (_, BlockKind.ToolResult) => (_config.ToolResult, _config.ToolResultHint),
                    _ => (null, ""),
                };
                if (cap is null || cap.Max <= 0) continue;
                if (Cut(block.Text, cap, _config.HeadShare, _config.Marker, hint, context.Tokens) is { } cut)
                    context.ReplaceText(block, cut, $"capped at {cap.Max} {UnitName(cap.Unit)}");
            }
        }
    }

    /// <summary>The capped text, or null when <paramref name="text"/> is within the cap (or cutting would not make it shorter).</summary>
    public static string? Cut(string text, ContentCap cap, double headShare, string marker, string hint, ITokenEstimator tokens)
    {
        if (string.IsNullOrEmpty(text)) return null;
        headShare = Math.Clamp(headShare, 0, 1);
        int headEnd, tailStart;
        if (cap.Unit == CapUnit.Chars)
        {
            if (text.Length <= cap.Max) return null;
            var head = (int)(cap.Max * headShare);
            headEnd = head;
            tailStart = text.Length - (cap.Max - head);
        }
        else
        {
            if (TiktokenEstimator.UpperBound(text) <= cap.Max) return null; // cheap: a token is at least one UTF-8 byte
            var total = tokens.Count(text);
            if (total <= cap.Max) return null;
            var headTokens = (int)(cap.Max * headShare);
            var tailTokens = cap.Max - headTokens;
            if (tokens is ITokenIndexer indexer)
            {
                headEnd = indexer.IndexAfterTokens(text, headTokens);
                tailStart = indexer.IndexOfLastTokens(text, tailTokens);
            }
            else
            {
                var charsPerToken = text.Length / (double)total;
                headEnd = (int)(headTokens * charsPerToken);
                tailStart = text.Length - (int)(tailTokens * charsPerToken);
            }
        }

        headEnd = SnapHead(text, headEnd);
        tailStart = SnapTail(text, tailStart);
        if (tailStart <= headEnd) return null;

        var middle = text[headEnd..tailStart];
        var amount = cap.Unit == CapUnit.Chars ? middle.Length : tokens.Count(middle);
        var filled = marker.Replace("{cut}", amount.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{unit}", UnitName(cap.Unit), StringComparison.Ordinal)
            .Replace("{hint}", hint, StringComparison.Ordinal);
        var headText = text[..headEnd];
        var tailText = text[tailStart..];
        var result = string.Concat(
            headText,
            headText.Length == 0 || headText.EndsWith('\n') ? "" : "\n",
            filled,
            tailText.Length == 0 || tailText.StartsWith('\n') ? "" : "\n",
            tailText);
        return result.Length < text.Length ? result : null;
    }

    /// <summary>Moves the end of the head back to just after a newline, if one is within <see cref="LineSnap"/> of the head.</summary>
    private static int SnapHead(string text, int end)
    {
        end = Math.Clamp(end, 0, text.Length);
        if (end == 0 || end == text.Length) return end;
        var window = (int)(end * LineSnap);
        var nl = window > 0 ? text.LastIndexOf('\n', end - 1, Math.Min(window, end)) : -1;
        if (nl >= 0) end = nl + 1;
        else if (char.IsLowSurrogate(text[end])) end--; // never split a surrogate pair
        return end;
    }

    /// <summary>Moves the start of the tail forward to just after a newline, if one is within <see cref="LineSnap"/> of the tail.</summary>
    private static int SnapTail(string text, int start)
    {
        start = Math.Clamp(start, 0, text.Length);
        if (start == 0 || start == text.Length) return start;
        if (text[start - 1] == '\n') return start;
        var window = (int)((text.Length - start) * LineSnap);
        var nl = window > 0 ? text.IndexOf('\n', start, Math.Min(window, text.Length - start)) : -1;
        if (nl >= 0) start = nl + 1;
        else if (char.IsLowSurrogate(text[start])) start++;
        return start;
    }

    private static string UnitName(CapUnit unit) => unit == CapUnit.Chars ? "chars" : "tokens";
}
