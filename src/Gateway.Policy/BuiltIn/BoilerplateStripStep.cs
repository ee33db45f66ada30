using System.Text.RegularExpressions;
using Gateway.Policy.Abstractions;
using Gateway.Policy.Configuration;
using Gateway.Policy.Pipeline;

namespace Gateway.Policy.BuiltIn;

/// <summary>
/// <c>strip_boilerplate</c>: removes what IDEs repeat every turn and the model does not need. Each pattern (a regex, or an exact
/// text) is applied, in order, to the text blocks of the roles it names (system — developer included —, user, assistant); never to
/// tool results, tool calls or the latest user message. Regex replacements may use <c>$1</c>-style groups. When a block changed,
/// runs of blank lines left behind collapse to one and the block is trimmed. Deterministic in the block's text.
/// </summary>
public sealed class BoilerplateStripStep : BuiltInStep
{
    private readonly IReadOnlyList<Pattern> _patterns;
    private readonly Regex _blankLines;

    public BoilerplateStripStep(BoilerplateConfig config, BuiltInStepOptions options) : base(BuiltInSteps.StripBoilerplate, options)
    {
        ArgumentNullException.ThrowIfNull(config);
        _patterns = config.Patterns.Select(p => new Pattern(
            p.Id,
            p.Regex is { Length: > 0 } rx ? Compile(rx, RegexOptions.Multiline) : null,
            p.Regex is { Length: > 0 } ? null : p.Exact is { Length: > 0 } ex ? ex : null,
            p.Replacement ?? "",
            Roles(p.AppliesTo))).Where(p => p.Regex is not null || p.Exact is not null).ToList();
        _blankLines = Compile(@"\n[ \t]*\n(?:[ \t]*\n)+");
    }

    /// <summary>Patterns in use (those with a regex or an exact text).</summary>
    public int PatternCount => _patterns.Count;

    public override void Apply(PolicyContext context, RuleScope scope, ResponseView? response)
    {
        if (_patterns.Count == 0) return;
        foreach (var message in context.Request.Messages)
        {
            if (message.IsLatestUserMessage || message.Role == MessageRole.Tool) continue;
            foreach (var block in message.Blocks)
            {
                if (block.Kind != BlockKind.Text || block.Text.Length == 0) continue;
                var text = block.Text;
                List<string>? hits = null;
                foreach (var p in _patterns)
                {
                    if (!p.Roles.Contains(message.Role)) continue;
                    var replaced = p.Regex is not null
                        ? p.Regex.Replace(text, p.Replacement)
                        : text.Contains(p.Exact!, StringComparison.Ordinal) ? text.Replace(p.Exact!, p.Replacement, StringComparison.Ordinal) : text;
                    if (ReferenceEquals(replaced, text) || replaced == text) continue;
                    text = replaced;
                    (hits ??= []).Add(p.Id);
                }
                if (hits is null) continue;
                text = _blankLines.Replace(text, "\n\n").Trim();
                context.ReplaceText(block, text, "boilerplate " + string.Join(",", hits));
            }
        }
    }

    private static HashSet<MessageRole> Roles(IReadOnlyList<string> appliesTo)
    {
        var set = new HashSet<MessageRole>();
        foreach (var r in appliesTo)
        {
            switch (r.Trim().ToLowerInvariant())
            {
                case "system" or "developer": set.Add(MessageRole.System); break;
                case "user": set.Add(MessageRole.User); break;
                case "assistant": set.Add(MessageRole.Assistant); break;
                default: throw new ArgumentException($"Boilerplate patterns apply to system, user or assistant, not '{r}'.", nameof(appliesTo));
            }
        }
        return set;
    }

    private sealed record Pattern(string Id, Regex? Regex, string? Exact, string Replacement, HashSet<MessageRole> Roles);
}
