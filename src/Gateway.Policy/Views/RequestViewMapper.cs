using System.Text;
using System.Text.Json;
using Gateway.Core.Protocol.OpenAi;
using Gateway.Policy.Abstractions;

namespace Gateway.Policy.Views;

/// <summary>
/// Maps the parsed OpenAI request to the <see cref="RequestView"/> rules see, and writes what rules changed back into it.
/// <list type="number">
/// <item>system and developer messages become <see cref="MessageRole.System"/>, user <see cref="MessageRole.User"/>, assistant
///   <see cref="MessageRole.Assistant"/> (its text, then one <see cref="BlockKind.ToolCall"/> block per tool call or legacy
///   function_call), tool and function <see cref="MessageRole.Tool"/> with one <see cref="BlockKind.ToolResult"/> block (its tool name taken
///   from the matching earlier call) followed by an <see cref="BlockKind.Image"/> block per image part; unknown roles count as user,
///   as the translator treats them;</item>
/// <item>string content is one text block; a parts array gives a text block per text part (<c>text</c>, <c>input_text</c>,
///   <c>refusal</c>, bare strings) and an image block per <c>image_url</c> part; other parts are not visible and stay as they are;</item>
/// <item><see cref="ApplyTo"/> rewrites only messages with a changed block (others keep their exact JSON), sets the model, and puts
///   the rules' system notes in ONE system message right after the leading system/developer messages — the same place in every
///   request, so the conversation prefix stays byte-stable for the prompt cache.</item>
/// </list>
/// Stateless and thread-safe.
/// </summary>
public static class RequestViewMapper
{
    /// <summary>Builds the view. <paramref name="model"/> is the resolved Claude model, <paramref name="modelSource"/> why (requested, alias, default).</summary>
    public static RequestView ToView(ChatCompletionRequest request, string model, string modelSource,
        IReadOnlyDictionary<string, string> safeHeaders, string? sessionId)
    {
        ArgumentNullException.ThrowIfNull(request);
        var messages = new List<MessageView>();
        var callNames = new Dictionary<string, string>(StringComparer.Ordinal);
        string? lastLegacyFunction = null;
        var source = request.Messages ?? [];
        for (var i = 0; i < source.Count; i++)
        {
            var m = source[i];
            if (m is null) continue;
            var role = RoleOf(m.Role);
            var blocks = new List<BlockView>();
            foreach (var slot in Layout(m))
            {
                switch (slot.Kind)
                {
                    case BlockKind.ToolCall:
                        if (slot.ToolCallId is not null && slot.ToolName is not null) callNames[slot.ToolCallId] = slot.ToolName;
                        if (slot.IsLegacyFunction) lastLegacyFunction = slot.ToolName;
                        blocks.Add(new BlockView(BlockKind.ToolCall, slot.Text, slot.ToolName, slot.ToolCallId));
                        break;
                    case BlockKind.ToolResult:
                        var name = m.Role == "function" ? m.Name ?? lastLegacyFunction
                            : m.ToolCallId is not null && callNames.TryGetValue(m.ToolCallId, out var n) ? n : m.Name;
                        blocks.Add(new BlockView(BlockKind.ToolResult, slot.Text, name, m.ToolCallId));
                        break;
                    default:
                        blocks.Add(new BlockView(slot.Kind, slot.Text));
                        break;
                }
            }
            messages.Add(new MessageView(i, role, blocks));
        }

        var tools = new List<ToolView>();
        foreach (var t in request.Tools ?? [])
            if (t?.Function is { Name: { } name } f) tools.Add(new ToolView(name, f.Description, f.Parameters?.GetRawText() ?? "{}"));
        foreach (var f in request.Functions ?? [])
            if (f is { Name: { } name }) tools.Add(new ToolView(name, f.Description, f.Parameters?.GetRawText() ?? "{}"));

        var parameters = new RequestParameters(request.MaxCompletionTokens ?? request.MaxTokens, request.Temperature, request.TopP,
            request.Stream == true, request.ReasoningEffort, tools.Count > 0);
        return new RequestView(request.Model ?? "", model, messages, tools, parameters, sessionId, safeHeaders)
        {
            ModelSource = modelSource,
        };
    }

    /// <summary>
    /// Writes the view back: changed block texts (a changed string content stays a string, a changed part keeps its other
    /// properties), <see cref="RequestView.Model"/> into <c>model</c>, and the system notes as one system message. Call once, after the
    /// request stage; untouched messages keep their exact JSON.
    /// </summary>
    public static void ApplyTo(RequestView view, ChatCompletionRequest request)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(request);
        var messages = request.Messages ?? [];
        foreach (var mv in view.Messages)
        {
            if (!mv.Blocks.Any(b => b.Changed)) continue;
            if (mv.Index >= messages.Count || messages[mv.Index] is not { } m)
                throw new InvalidOperationException($"The view does not match the request (message {mv.Index}).");
            m.Content = Rewrite(m, mv);
        }
        request.Model = view.Model;

        if (view.SystemNotes.Count > 0)
        {
            var text = string.Join("\n\n", view.SystemNotes.Select(n => n.Text));
            var at = 0;
            while (at < messages.Count && messages[at]?.Role is "system" or "developer") at++;
            messages.Insert(at, new ChatCompletionRequestMessage { Role = "system", Content = StringElement(text) });
            request.Messages = messages;
        }
    }

    internal static MessageRole RoleOf(string? role) => role switch
    {
        "system" or "developer" => MessageRole.System,
        "assistant" => MessageRole.Assistant,
        "tool" or "function" => MessageRole.Tool,
        _ => MessageRole.User,
    };

    /// <summary>Where a block comes from: the whole string content, a part of the array, or a tool call.</summary>
    private readonly record struct Slot(BlockKind Kind, string Text, int Part, string? ToolName = null, string? ToolCallId = null, bool IsLegacyFunction = false);

    private const int WholeContent = -1;

    /// <summary>The blocks of a message, in view order, with where each came from. Deterministic: ToView and ApplyTo agree on it.</summary>
    private static List<Slot> Layout(ChatCompletionRequestMessage m)
    {
        var slots = new List<Slot>();
        var role = RoleOf(m.Role);
        if (role == MessageRole.Tool)
        {
            // One result block with the text of all text parts; images after it.
            var text = new StringBuilder();
            var images = new List<Slot>();
            if (m.Content is { ValueKind: JsonValueKind.String } s) text.Append(s.GetString());
            else if (m.Content is { ValueKind: JsonValueKind.Array } arr)
            {
                var p = 0;
                foreach (var part in arr.EnumerateArray())
                {
                    var (kind, t) = Classify(part);
                    if (kind == BlockKind.Text)
                    {
                        if (text.Length > 0) text.Append('\n');
                        text.Append(t);
                    }
                    else if (kind == BlockKind.Image) images.Add(new Slot(BlockKind.Image, "", p));
                    p++;
                }
            }
            slots.Add(new Slot(BlockKind.ToolResult, text.ToString(), WholeContent));
            slots.AddRange(images);
            return slots;
        }

        if (m.Content is { ValueKind: JsonValueKind.String } str) slots.Add(new Slot(BlockKind.Text, str.GetString() ?? "", WholeContent));
        else if (m.Content is { ValueKind: JsonValueKind.Array } parts)
        {
            var p = 0;
            foreach (var part in parts.EnumerateArray())
            {
                var (kind, t) = Classify(part);
                if (kind is BlockKind.Text or BlockKind.Image) slots.Add(new Slot(kind.Value, t ?? "", p));
                p++;
            }
        }
        else if (role == MessageRole.Assistant && !string.IsNullOrEmpty(m.Refusal))
            slots.Add(new Slot(BlockKind.Text, m.Refusal, WholeContent));

        if (role == MessageRole.Assistant)
        {
            foreach (var call in m.ToolCalls ?? [])
                if (call is not null)
                    slots.Add(new Slot(BlockKind.ToolCall, ArgumentsText(call.Function?.Arguments), WholeContent, call.Function?.Name, call.Id));
            if (m.FunctionCall is { Name: { Length: > 0 } fname } fc)
                slots.Add(new Slot(BlockKind.ToolCall, ArgumentsText(fc.Arguments), WholeContent, fname, null, IsLegacyFunction: true));
        }
        return slots;
    }

    private static (BlockKind? Kind, string? Text) Classify(JsonElement part)
    {
        if (part.ValueKind == JsonValueKind.String) return (BlockKind.Text, part.GetString());
        if (part.ValueKind != JsonValueKind.Object) return (null, null);
        var type = part.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        return type switch
        {
            "text" or "input_text" => (BlockKind.Text, StringProp(part, "text")),
            "refusal" => (BlockKind.Text, StringProp(part, "refusal")),
            "image_url" => (BlockKind.Image, ""),
            _ => (null, null),
        };
    }

    private static string StringProp(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() ?? "" : "";

    private static string ArgumentsText(JsonElement? args) => args switch
    {
        null => "",
        { ValueKind: JsonValueKind.String } s => s.GetString() ?? "",
        { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined } => "",
        { } other => other.GetRawText(),
    };

    private static JsonElement? Rewrite(ChatCompletionRequestMessage m, MessageView mv)
    {
        var slots = Layout(m);
        if (slots.Count != mv.Blocks.Count)
            throw new InvalidOperationException($"The view does not match the request (message {mv.Index}: {mv.Blocks.Count} blocks, {slots.Count} in the request).");

        if (mv.Role == MessageRole.Tool)
        {
            var result = mv.Blocks[0];
            if (!result.Changed) return m.Content;
            if (m.Content is not { ValueKind: JsonValueKind.Array } arr) return StringElement(result.Text);
            // Parts: the new text goes into the first text part, the other text parts go (their text is in it), images and the rest stay.
            return RewriteParts(arr, (index, part, kind) => kind == BlockKind.Text ? (index == FirstTextPart(arr) ? result.Text : Drop) : Keep);
        }

        // Whole-content text (string content or an assistant refusal).
        var whole = slots.FindIndex(s => s.Kind == BlockKind.Text && s.Part == WholeContent);
        if (whole >= 0 && mv.Blocks[whole].Changed)
        {
            if (m.Content is { ValueKind: JsonValueKind.String }) return StringElement(mv.Blocks[whole].Text);
            m.Refusal = mv.Blocks[whole].Text;
            return m.Content;
        }
        if (m.Content is not { ValueKind: JsonValueKind.Array } parts) return m.Content;
        var changedByPart = new Dictionary<int, string>();
        for (var i = 0; i < slots.Count; i++)
            if (slots[i].Part >= 0 && slots[i].Kind == BlockKind.Text && mv.Blocks[i].Changed) changedByPart[slots[i].Part] = mv.Blocks[i].Text;
        if (changedByPart.Count == 0) return m.Content;
        return RewriteParts(parts, (index, _, _) => changedByPart.TryGetValue(index, out var t) ? t : Keep);
    }

    private const string Keep = "\u0000keep";
    private const string Drop = "\u0000drop";

    private static int FirstTextPart(JsonElement arr)
    {
        var i = 0;
        foreach (var part in arr.EnumerateArray())
        {
            if (Classify(part).Kind == BlockKind.Text) return i;
            i++;
        }
        return -1;
    }

    /// <summary>Copies a parts array; <paramref name="decide"/> returns <see cref="Keep"/>, <see cref="Drop"/> or the part's new text.</summary>
    private static JsonElement RewriteParts(JsonElement arr, Func<int, JsonElement, BlockKind?, string> decide)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartArray();
            var i = 0;
            foreach (var part in arr.EnumerateArray())
            {
                var (kind, _) = Classify(part);
                var d = decide(i++, part, kind);
                if (ReferenceEquals(d, Keep)) part.WriteTo(w);
                else if (ReferenceEquals(d, Drop)) { }
                else if (part.ValueKind == JsonValueKind.String) w.WriteStringValue(d);
                else
                {
                    var textProp = part.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String && t.GetString() == "refusal" ? "refusal" : "text";
                    w.WriteStartObject();
                    var wrote = false;
                    foreach (var prop in part.EnumerateObject())
                    {
                        if (prop.NameEquals(textProp)) { w.WriteString(textProp, d); wrote = true; }
                        else prop.WriteTo(w);
                    }
                    if (!wrote) w.WriteString(textProp, d);
                    w.WriteEndObject();
                }
            }
            w.WriteEndArray();
        }
        using var doc = JsonDocument.Parse(buffer.WrittenMemory);
        return doc.RootElement.Clone();
    }

    private static JsonElement StringElement(string text)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer)) w.WriteStringValue(text);
        using var doc = JsonDocument.Parse(buffer.WrittenMemory);
        return doc.RootElement.Clone();
    }
}
