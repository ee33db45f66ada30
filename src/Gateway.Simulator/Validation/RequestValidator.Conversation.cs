using System.Text.Json;
using static Gateway.Simulator.Validation.JsonChecks;

namespace Gateway.Simulator.Validation;

/// <summary>Rules across messages: tool_use / tool_result pairing and thinking before the last tool use.</summary>
internal sealed partial class RequestValidator
{
    private void Conversation(JsonElement messages, bool thinkingEnabled)
    {
        var count = messages.GetArrayLength();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        HashSet<string>? previousToolUses = null;
        for (var i = 0; i < count; i++)
        {
            var message = messages[i];
            var role = message.GetProperty("role").GetString();
            var content = message.GetProperty("content");
            var path = Join("messages", i);
            if (role == "assistant")
            {
                var ids = ToolUseIds(content, path, seen);
                if (ids.Count > 0)
                {
                    var answered = i + 1 < count ? LeadingToolResultIds(messages[i + 1]) : [];
                    var missing = ids.Where(id => !answered.Contains(id)).ToList();
                    if (missing.Count > 0)
                        throw Fail(i + 1 < count ? Join("messages", i + 1) : path,
                            $"`tool_use` ids were found without `tool_result` blocks immediately after: {string.Join(", ", missing)}. " +
                            "Each `tool_use` block must have a corresponding `tool_result` block in the next message.");
                }
                previousToolUses = ids;
                continue;
            }
            if (content.ValueKind == JsonValueKind.Array)
            {
                var j = 0;
                foreach (var block in content.EnumerateArray())
                {
                    if (BlockType(block) == "tool_result")
                    {
                        var id = block.GetProperty("tool_use_id").GetString()!;
                        if (previousToolUses is null || !previousToolUses.Contains(id))
                            throw Fail(Join(Join(path, "content"), j),
                                $"unexpected `tool_use_id` found in `tool_result` blocks: {id}. " +
                                "Each `tool_result` block must have a corresponding `tool_use` block in the previous message.");
                    }
                    j++;
                }
            }
            previousToolUses = null;
        }

        if (thinkingEnabled) LastToolTurnStartsWithThinking(messages);
    }

    /// <summary>
    /// Extended thinking with tool use: the assistant turn whose tool_use the final user message answers
    /// must start with a thinking or redacted_thinking block.
    /// </summary>
    private static void LastToolTurnStartsWithThinking(JsonElement messages)
    {
        var count = messages.GetArrayLength();
        var lastUser = -1;
        for (var i = count - 1; i >= 0; i--)
            if (messages[i].GetProperty("role").GetString() == "user") { lastUser = i; break; }
        if (lastUser < 1) return;
        var assistant = messages[lastUser - 1];
        if (assistant.GetProperty("role").GetString() != "assistant") return;
        var content = assistant.GetProperty("content");
        if (content.ValueKind != JsonValueKind.Array || content.GetArrayLength() == 0) return;
        if (!content.EnumerateArray().Any(b => BlockType(b) == "tool_use")) return;
        var first = BlockType(content[0]);
        if (first is "thinking" or "redacted_thinking") return;
        throw Fail(Join(Join(Join("messages", lastUser - 1), "content"), 0) + ".type",
            $"Expected `thinking` or `redacted_thinking`, but found `{first}`. When `thinking` is enabled, a final `assistant` message " +
            "must start with a thinking block (preceeding the lastmost set of `tool_use` and `tool_result` blocks). We recommend you include " +
            "thinking blocks from previous turns. To avoid this requirement, disable `thinking`. " + ThinkingDocs);
    }

    private static HashSet<string> ToolUseIds(JsonElement content, string path, HashSet<string> seen)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        if (content.ValueKind != JsonValueKind.Array) return ids;
        var j = 0;
        foreach (var block in content.EnumerateArray())
        {
            if (BlockType(block) == "tool_use")
            {
                var id = block.GetProperty("id").GetString()!;
                if (!seen.Add(id)) throw Fail(Join(Join(path, "content"), j), $"`tool_use` ids must be unique: {id}");
                ids.Add(id);
            }
            j++;
        }
        return ids;
    }

    /// <summary>tool_result ids at the start of a user message (results must come before any other content).</summary>
    private static HashSet<string> LeadingToolResultIds(JsonElement message)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        if (message.GetProperty("role").GetString() != "user") return ids;
        var content = message.GetProperty("content");
        if (content.ValueKind != JsonValueKind.Array) return ids;
        foreach (var block in content.EnumerateArray())
        {
            if (BlockType(block) != "tool_result") break;
            ids.Add(block.GetProperty("tool_use_id").GetString()!);
        }
        return ids;
    }

    private static string? BlockType(JsonElement block) =>
        block.ValueKind == JsonValueKind.Object && block.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
}
