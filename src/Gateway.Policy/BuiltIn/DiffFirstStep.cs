using System.Text.RegularExpressions;
using Gateway.Policy.Abstractions;
using Gateway.Policy.Configuration;
using Gateway.Policy.Pipeline;

namespace Gateway.Policy.BuiltIn;

/// <summary>
/// <c>diff_first</c>: adds the system note <c>diff-first</c> (the profile's instruction: answer edits with unified diffs, not whole
/// files) when the request is an edit task — <see cref="DiffFirstConfig.EditPattern"/> matches a user message — and tools are
/// offered or file content is present (a code fence or a file path in any message).
/// <para>Decision: the edit pattern is tested on every user message of the conversation, not only the latest. The note sits in
/// the system prompt, at the head of the prompt cache; tested on the latest message alone it would come and go from turn to
/// turn and break the cache each time. Over the whole conversation the test is monotone: once an edit was asked for, the note
/// stays for the rest of the session (one cache break at most).</para>
/// </summary>
public sealed class DiffFirstStep : BuiltInStep
{
    public const string NoteId = "diff-first";

    private readonly DiffFirstConfig _config;
    private readonly Regex _edit;
    private readonly Regex _filePath;

    public DiffFirstStep(DiffFirstConfig config, BuiltInStepOptions options) : base(BuiltInSteps.DiffFirst, options)
    {
        _config = config ?? throw new ArgumentNullException(nameof(config));
        _edit = Compile(config.EditPattern, RegexOptions.IgnoreCase);
        _filePath = TextSignals.FilePath(options.RegexTimeout);
    }

    public override void Apply(PolicyContext context, RuleScope scope, ResponseView? response)
    {
        if (!_config.Enabled || string.IsNullOrWhiteSpace(_config.Instruction)) return;
        var request = context.Request;
        if (!request.Messages.Any(m => m.Role == MessageRole.User && _edit.IsMatch(m.AllText))) return;
        if (!request.Parameters.HasTools && !HasFileContent(request)) return;
        context.AddSystemNote(NoteId, _config.Instruction);
    }

    private bool HasFileContent(RequestView request) =>
        request.AllBlocks.Any(b => b.Kind is BlockKind.Text or BlockKind.ToolResult && b.Text.Length > 0
            && (TextSignals.HasCodeFence(b.Text) || _filePath.IsMatch(b.Text)));
}
