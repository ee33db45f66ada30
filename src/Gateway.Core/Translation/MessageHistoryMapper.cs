using System.Text.Json;
using Gateway.Core.Protocol.Anthropic;
using Gateway.Core.Protocol.OpenAi;

namespace Gateway.Core.Translation;

/// <summary>
/// OpenAI <c>messages</c> -> Anthropic <c>system</c> + <c>messages</c>, producing a conversation Anthropic accepts:
/// <list type="number">
/// <item>system and developer messages (anywhere) join the top-level system, in order;</item>
/// <item>assistant tool_calls / function_call become tool_use blocks (ids and names mapped, arguments repaired);</item>
/// <item>the tool/function messages answering an assistant turn become tool_result blocks in ONE user message,
///   ordered as that turn's tool_use ids and placed before any user text of the turn; a missing result gets a
///   synthetic <c>is_error</c> result; a result matching no tool_use of that turn becomes plain text;</item>
/// <item>empty blocks and empty messages are dropped, same-role neighbours merged, a leading assistant turn gets a
///   user turn before it, and the final assistant message loses trailing whitespace.</item>
/// </list>
/// Not thread-safe; one instance per request.
/// </summary>
internal sealed class MessageHistoryMapper(ToolNameMap names, ToolCallIdMap ids, List<string> adjustments)
{
    public const string MissingResultText = "(no result: the client did not send one)";
    public const string EmptyResultText = "(empty result)";
    public const string LeadingUserText = "(conversation start)";

    public List<MessagesRequestContentBlock> System { get; } = [];
    public List<MessagesRequestMessage> Messages { get; } = [];

    /// <summary>Client tool-call ids of each assistant message that has tool_use blocks (thinking restore looks them up).</summary>
    public Dictionary<MessagesRequestMessage, List<string>> ClientToolCallIds { get; } = new(ReferenceEqualityComparer.Instance);

    /// <summary>The index of the client message each block came from; blocks the gateway made up (placeholders, synthetic results) have none.</summary>
    public Dictionary<MessagesRequestContentBlock, int> BlockOrigins { get; } = new(ReferenceEqualityComparer.Instance);
    private Dictionary<string, int>? _resultOrigins;

    /// <summary>Tool results that answered no tool call, sent as text: the label put before the client's text, and the call id it named.</summary>
    public Dictionary<MessagesRequestContentBlock, StrayToolResult> StrayResults { get; } = new(ReferenceEqualityComparer.Instance);

    private readonly List<(string Role, List<MessagesRequestContentBlock> Blocks, List<string>? ClientIds)> _turns = [];
    private List<string>? _pendingIds;                               // upstream tool_use ids of the open assistant turn
    private Dictionary<string, List<MessagesRequestContentBlock>>? _results; // upstream id -> result content
    private List<MessagesRequestContentBlock>? _strayResults;
    private string? _legacyFunctionId;                               // id of the open assistant function_call

    public void Map(IReadOnlyList<ChatCompletionRequestMessage> messages)
    {
        for (var i = 0; i < messages.Count; i++)
        {
            var m = messages[i];
            var param = $"messages[{i}]";
            switch (m.Role)
            {
                case "system":
                case "developer":
                    var text = ContentPartMapper.Text(m.Content, $"{param}.content", adjustments);
                    if (!string.IsNullOrWhiteSpace(text)) System.Add(Origin(MessagesRequestContentBlock.TextBlock(text), i));
                    break;
                case "tool":
                    AddResult(m.ToolCallId, ContentPartMapper.Map(m.Content, $"{param}.content", allowImages: true, adjustments), param, i);
                    break;
                case "function":
                    AddResult(_legacyFunctionId, ContentPartMapper.Map(m.Content, $"{param}.content", allowImages: false, adjustments), param, i, m.Name ?? "function");
                    _legacyFunctionId = null;
                    break;
                case "assistant":
                    FlushResults();
                    MapAssistant(m, param, i);
                    break;
                default: // user
                    FlushResults();
                    _turns.Add(("user", Origin(ContentPartMapper.Map(m.Content, $"{param}.content", allowImages: true, adjustments), i), null));
                    break;
            }
        }
        FlushResults();
        Normalize();
    }

    private MessagesRequestContentBlock Origin(MessagesRequestContentBlock block, int index)
    {
        BlockOrigins[block] = index;
        return block;
    }

    private List<MessagesRequestContentBlock> Origin(List<MessagesRequestContentBlock> blocks, int index)
    {
        foreach (var b in blocks) BlockOrigins[b] = index;
        return blocks;
    }

    private void MapAssistant(ChatCompletionRequestMessage m, string param, int index)
    {
        var blocks = ContentPartMapper.Map(m.Content, $"{param}.content", allowImages: false, adjustments);
        if (blocks.Count == 0 && !string.IsNullOrWhiteSpace(m.Refusal)) blocks.Add(MessagesRequestContentBlock.TextBlock(m.Refusal));
        List<string>? clientIds = null;
        var calls = m.ToolCalls ?? [];
        for (var j = 0; j < calls.Count; j++)
        {
            var call = calls[j];
            if (call?.Function?.Name is not { Length: > 0 } fname)
            {
                adjustments.Add($"{param}.tool_calls[{j}]: tool call without a function name dropped");
                continue;
            }
            var id = ids.Register(call.Id);
            if (call.Id != id) adjustments.Add($"{param}.tool_calls[{j}]: tool call id rewritten to '{id}'");
            var input = ToolArgumentsRepair.ToInputObject(call.Function.Arguments, out var repaired);
            if (repaired) adjustments.Add($"{param}.tool_calls[{j}]: arguments were not a JSON object; repaired");
            blocks.Add(MessagesRequestContentBlock.ToolUse(id, names.ToUpstream(fname), input));
            (_pendingIds ??= []).Add(id);
            (clientIds ??= []).Add(call.Id ?? id);
        }
        if (m.FunctionCall?.Name is { Length: > 0 } legacyName)
        {
            var id = ids.NextSynthetic();
            var input = ToolArgumentsRepair.ToInputObject(m.FunctionCall.Arguments, out var repaired);
            if (repaired) adjustments.Add($"{param}.function_call: arguments were not a JSON object; repaired");
            blocks.Add(MessagesRequestContentBlock.ToolUse(id, names.ToUpstream(legacyName), input));
            (_pendingIds ??= []).Add(id);
            (clientIds ??= []).Add(id);
            _legacyFunctionId = id;
        }
        if (blocks.Count == 0) { adjustments.Add($"{param}: empty assistant message dropped"); return; }
        _turns.Add(("assistant", Origin(blocks, index), clientIds));
    }

    private void AddResult(string? clientId, List<MessagesRequestContentBlock> content, string param, int index, string? functionName = null)
    {
        if (_pendingIds is not null && (functionName is not null ? clientId : ids.TryGet(clientId, out var up) ? up : null) is { } upstreamId
            && _pendingIds.Contains(upstreamId))
        {
            _results ??= [];
            if (_results.TryGetValue(upstreamId, out var existing))
            {
                existing.AddRange(content);
                adjustments.Add($"{param}: second result for the same tool call appended to the first");
            }
            else _results[upstreamId] = content;
            (_resultOrigins ??= []).TryAdd(upstreamId, index);
            return;
        }
        // No tool_use of the previous assistant turn has this id: never forward an orphan tool_result.
        var label = functionName is not null ? $"function {functionName}" : $"tool call {clientId}";
        var text = string.Join("\n", content.Where(b => b.Type == "text").Select(b => b.Text));
        var prefix = $"[Result of {label}]\n";
        var stray = Origin(MessagesRequestContentBlock.TextBlock(prefix + (text.Length == 0 ? EmptyResultText : text)), index);
        StrayResults[stray] = new StrayToolResult(prefix, functionName is null ? clientId : null);
        (_strayResults ??= []).Add(stray);
        adjustments.Add($"{param}: tool result matches no tool call of the previous assistant turn; sent as text");
    }

    /// <summary>Closes the open assistant turn: one user message with every tool_result in tool_use order, then stray results as text.</summary>
    private void FlushResults()
    {
        if (_pendingIds is null && _strayResults is null) return;
        var blocks = new List<MessagesRequestContentBlock>();
        foreach (var id in _pendingIds ?? [])
        {
            if (_results is not null && _results.TryGetValue(id, out var content))
            {
                var result = MessagesRequestContentBlock.ToolResult(id, content.Count == 0 ? [MessagesRequestContentBlock.TextBlock(EmptyResultText)] : content);
                if (_resultOrigins is not null && _resultOrigins.TryGetValue(id, out var origin)) BlockOrigins[result] = origin;
                blocks.Add(result);
            }
            else
            {
                blocks.Add(MessagesRequestContentBlock.ToolResult(id, [MessagesRequestContentBlock.TextBlock(MissingResultText)], isError: true));
                adjustments.Add($"tool call {id} had no result; a synthetic error result was sent");
            }
        }
        if (_strayResults is not null) blocks.AddRange(_strayResults);
        if (blocks.Count > 0) _turns.Add(("user", blocks, null));
        _pendingIds = null;
        _results = null;
        _strayResults = null;
        _resultOrigins = null;
        _legacyFunctionId = null;
    }

    private void Normalize()
    {
        foreach (var (role, blocks, clientIds) in _turns)
        {
            if (blocks.Count == 0) continue;
            var last = Messages.Count > 0 ? Messages[^1] : null;
            if (last is not null && last.Role == role)
            {
                // Same-role neighbours merge. In a user message tool_results must come first: they already do,
                // because a results turn is only ever followed (not preceded) by user text of the same turn.
                last.Content.AddRange(blocks);
                if (clientIds is not null)
                {
                    if (ClientToolCallIds.TryGetValue(last, out var existing)) existing.AddRange(clientIds);
                    else ClientToolCallIds[last] = [.. clientIds];
                }
                continue;
            }
            var message = new MessagesRequestMessage { Role = role, Content = blocks };
            Messages.Add(message);
            if (clientIds is not null) ClientToolCallIds[message] = [.. clientIds];
        }

        if (Messages.Count > 0 && Messages[0].Role == "assistant")
        {
            Messages.Insert(0, new MessagesRequestMessage { Role = "user", Content = [MessagesRequestContentBlock.TextBlock(LeadingUserText)] });
            adjustments.Add("conversation started with an assistant message; a user turn was inserted before it");
        }

        if (Messages.Count > 0 && Messages[^1].Role == "assistant")
        {
            // "final assistant content cannot end with trailing whitespace"
            var blocks = Messages[^1].Content;
            if (blocks[^1] is { Type: "text", Text: { } t } b && t.Length != t.TrimEnd().Length)
            {
                b.Text = t.TrimEnd();
                adjustments.Add("trailing whitespace removed from the final assistant message");
            }
        }
    }

    /// <summary>Empty-messages fallback text, so a request never goes upstream without a user turn.</summary>
    public static MessagesRequestMessage PlaceholderUser(string text) =>
        new() { Role = "user", Content = [MessagesRequestContentBlock.TextBlock(text)] };

}
