using Gateway.Policy.Abstractions;
using Gateway.Policy.BuiltIn.Dedup;
using Gateway.Policy.Configuration;
using Gateway.Policy.Pipeline;

namespace Gateway.Policy.BuiltIn;

/// <summary>
/// <c>dedup_tool_results</c>: a tool result whose content repeats an earlier result of the same request is replaced by a reference to the
/// first copy (<c>[identical to the result of Read call_abc above]</c>), or repeats a string argument of an earlier tool call (a file the
/// agent wrote and read back: <c>[identical to the "content" argument of Write call_abc above]</c>); with <see cref="DedupConfig.DiffNearDuplicates"/>, a re-read whose
/// unified diff against the previous read is much smaller becomes <c>[same as the result of Read call_abc above, with these changes:]</c>
/// and the diff. First copies, tool calls and the latest user message are never touched; the client's header line (e.g.
/// <c>Content of src/logger.js:</c>) stays. See <see cref="ToolResultDeduplicator"/> for the rules; the result of an old block depends
/// only on it and the blocks before it, so it is the same in every later request of the session.
/// </summary>
public sealed class ToolResultDedupStep(DedupConfig config, BuiltInStepOptions options) : BuiltInStep(BuiltInSteps.DedupToolResults, options)
{
    private readonly DedupConfig _config = config ?? throw new ArgumentNullException(nameof(config));

    public override void Apply(PolicyContext context, RuleScope scope, ResponseView? response)
    {
        foreach (var r in ToolResultDeduplicator.Plan(context.Request.Messages, _config))
            context.ReplaceText(r.Block, r.Text, r.IsDiff ? $"diff against {r.Source.ToolCallId}"
                : r.SourceArgument is null ? $"duplicate of {r.Source.ToolCallId}" : $"duplicate of {r.Source.ToolCallId} argument {r.SourceArgument}");
    }
}
