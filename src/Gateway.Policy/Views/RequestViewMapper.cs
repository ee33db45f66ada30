using System.Text;
using Gateway.Core.Protocol.Anthropic;
using Gateway.Core.Translation;
using Gateway.Policy.Abstractions;

namespace Gateway.Policy.Views;

/// <summary>
/// Maps the canonical request (an Anthropic Messages request, <see cref="CanonicalRequest"/>) to the <see cref="RequestView"/>
/// rules see, and writes what rules changed back into it. The view keeps the shape rules were written against:
/// <list type="number">
/// <item>the system blocks are one <see cref="MessageRole.System"/> message, a text block each;</item>
/// <item>an assistant message is one <see cref="MessageRole.Assistant"/> message: its text blocks, then a
///   <see cref="BlockKind.ToolCall"/> block per tool_use (the client's tool name; the input JSON as text);</item>
/// <item>a user message is cut where its tool results are: each tool_result is a <see cref="MessageRole.Tool"/> message with one
///   <see cref="BlockKind.ToolResult"/> block (its text parts joined; the tool named from the matching tool_use) followed by an
///   <see cref="BlockKind.Image"/> block per image; the text and images around them are <see cref="MessageRole.User"/> messages;</item>
/// <item><see cref="ApplyTo"/> writes changed texts into the very blocks they came from (messages and blocks are edited in place,
///   never replaced), and puts the rules' system notes in ONE system text block after the existing system blocks — the same place
///   in every request, so the prefix stays byte-stable for the prompt cache.</item>
/// </list>
/// Stateless and thread-safe; the returned <see cref="MappedRequestView"/> belongs to one request.
/// </summary>
public static class RequestViewMapper
{
    /// <summary>Builds the view. <paramref name="model"/> is the resolved Claude model, <paramref name="modelSource"/> why (requested, alias, default).</summary>
    public static MappedRequestView ToView(CanonicalRequest canonical, string model, string modelSource,
        IReadOnlyDictionary<string, string> safeHeaders, string? sessionId)
    {
        ArgumentNullException.ThrowIfNull(canonical);
        var request = canonical.Request;
        var origins = canonical.BlockOrigins;
        var messages = new List<MessageView>();
        var bindings = new List<Binding>();
        var callNames = new Dictionary<string, string>(StringComparer.Ordinal);

        // One view message per client message: a canonical message that merged several client messages is cut where the origin
        // changes; blocks the gateway made up (no origin) are not the client's and stay out of the view.
        var role = MessageRole.User;
        var blocks = new List<BlockView>();
        var bound = new List<Binding>();
        var currentOrigin = int.MinValue;
        void Flush()
        {
            if (blocks.Count > 0)
            {
                messages.Add(new MessageView(messages.Count, role, blocks));
                bindings.AddRange(bound);
            }
            blocks = [];
            bound = [];
            currentOrigin = int.MinValue;
        }
        bool Visible(MessagesRequestContentBlock b, MessageRole r)
        {
            var origin = -1;
            if (origins is not null && !origins.TryGetValue(b, out origin)) return false;
            if (r != role || (origins is not null && origin != currentOrigin)) Flush();
            role = r;
            currentOrigin = origin;
            return true;
        }

        // 1. System.
        foreach (var b in request.System ?? [])
            if (b.Type == "text" && Visible(b, MessageRole.System)) { blocks.Add(new BlockView(BlockKind.Text, b.Text ?? "")); bound.Add(new Binding(b, false)); }
        Flush();

        // 2. Conversation.
        foreach (var m in request.Messages)
        {
            var assistant = m.Role == "assistant";
            foreach (var b in m.Content)
            {
                switch (b.Type)
                {
                    case "text" when !assistant && canonical.StrayResults is { } strays && strays.TryGetValue(b, out var stray):
                        // A tool result that answered no call, sent as text: to rules it is still a tool result.
                        if (!Visible(b, MessageRole.Tool)) break;
                        blocks.Add(new BlockView(BlockKind.ToolResult, (b.Text ?? "")[Math.Min(stray.Label.Length, (b.Text ?? "").Length)..], null, stray.ToolCallId));
                        bound.Add(new Binding(b, false, Prefix: stray.Label));
                        Flush();
                        break;
                    case "text" when Visible(b, assistant ? MessageRole.Assistant : MessageRole.User):
                        blocks.Add(new BlockView(BlockKind.Text, b.Text ?? ""));
                        bound.Add(new Binding(b, false));
                        break;
                    case "image" when !assistant && Visible(b, MessageRole.User):
                        blocks.Add(new BlockView(BlockKind.Image, ""));
                        bound.Add(new Binding(b, false, ReadOnly: true));
                        break;
                    case "tool_use" when assistant && Visible(b, MessageRole.Assistant):
                        var name = canonical.ClientToolName(b.Name ?? "");
                        if (b.Id is not null) callNames[b.Id] = name;
                        blocks.Add(new BlockView(BlockKind.ToolCall, b.Input?.GetRawText() ?? "", name, b.Id));
                        bound.Add(new Binding(b, false, ReadOnly: true));
                        break;
                    case "tool_result" when !assistant && Visible(b, MessageRole.Tool):
                        // A tool result is a message of its own, as the client sent it.
                        var tool = b.ToolUseId is not null && callNames.TryGetValue(b.ToolUseId, out var n) ? n : null;
                        blocks.Add(new BlockView(BlockKind.ToolResult, ResultText(b), tool, b.ToolUseId));
                        bound.Add(new Binding(b, IsToolResult: true));
                        foreach (var inner in b.Content ?? [])
                            if (inner.Type == "image") { blocks.Add(new BlockView(BlockKind.Image, "")); bound.Add(new Binding(inner, false, ReadOnly: true)); }
                        Flush();
                        break;
                }
            }
            Flush();
        }

        var tools = new List<ToolView>();
        foreach (var t in request.Tools ?? [])
            tools.Add(new ToolView(canonical.ClientToolName(t.Name), t.Description, t.InputSchema.ValueKind == System.Text.Json.JsonValueKind.Undefined ? "{}" : t.InputSchema.GetRawText()));

        var intent = canonical.Intent;
        var parameters = new RequestParameters(intent.MaxTokens, intent.Temperature, intent.TopP, intent.Stream, intent.ReasoningEffort, tools.Count > 0);
        var view = new RequestView(intent.Model ?? "", model, messages, tools, parameters, sessionId, safeHeaders) { ModelSource = modelSource };
        return new MappedRequestView(view, bindings);
    }

    /// <summary>
    /// Writes the view back into the canonical request it came from: changed block texts into their blocks, and the system notes
    /// as one system text block, and the model the rules chose into <c>model</c> (the ingress's model rules then apply that
    /// model's parameters). Call once, after the request stage.
    /// </summary>
    public static void ApplyTo(MappedRequestView mapped, CanonicalRequest canonical)
    {
        ArgumentNullException.ThrowIfNull(mapped);
        ArgumentNullException.ThrowIfNull(canonical);
        var blocks = mapped.View.AllBlocks.ToList();
        if (blocks.Count != mapped.Bindings.Count)
            throw new InvalidOperationException($"The view does not match the request ({blocks.Count} blocks, {mapped.Bindings.Count} bound).");
        for (var i = 0; i < blocks.Count; i++)
        {
            var view = blocks[i];
            var binding = mapped.Bindings[i];
            if (!view.Changed || binding.ReadOnly) continue;
            if (binding.IsToolResult) SetResultText(binding.Block, view.Text);
            else binding.Block.Text = binding.Prefix is null ? view.Text : binding.Prefix + view.Text;
        }

        canonical.Request.Model = mapped.View.Model;
        if (mapped.View.SystemNotes.Count > 0)
        {
            var text = string.Join("\n\n", mapped.View.SystemNotes.Select(n => n.Text));
            (canonical.Request.System ??= []).Add(MessagesRequestContentBlock.TextBlock(text));
        }
    }

    /// <summary>A tool result's text: its text parts, joined by newlines.</summary>
    private static string ResultText(MessagesRequestContentBlock result)
    {
        var content = result.Content;
        if (content is null || content.Count == 0) return "";
        var first = true;
        var text = new StringBuilder();
        foreach (var c in content)
        {
            if (c.Type != "text") continue;
            if (!first) text.Append('\n');
            text.Append(c.Text);
            first = false;
        }
        return text.ToString();
    }

    /// <summary>The new text goes into the first text part; the other text parts go (their text is in it); images and the rest stay.</summary>
    private static void SetResultText(MessagesRequestContentBlock result, string text)
    {
        var content = result.Content ??= [];
        var first = content.FindIndex(c => c.Type == "text");
        if (first < 0)
        {
            content.Insert(0, MessagesRequestContentBlock.TextBlock(text));
            return;
        }
        content[first].Text = text;
        for (var i = content.Count - 1; i > first; i--)
            if (content[i].Type == "text") content.RemoveAt(i);
    }

    /// <summary>Where a view block came from.</summary>
    internal readonly record struct Binding(MessagesRequestContentBlock Block, bool IsToolResult, bool ReadOnly = false, string? Prefix = null);
}

/// <summary>A request view and, for each of its blocks in order, the canonical block it came from.</summary>
public sealed class MappedRequestView
{
    internal MappedRequestView(RequestView view, IReadOnlyList<RequestViewMapper.Binding> bindings)
    {
        View = view;
        Bindings = bindings;
    }

    public RequestView View { get; }

    internal IReadOnlyList<RequestViewMapper.Binding> Bindings { get; }
}
