using System.Text;
using System.Text.Json;

namespace Gateway.Simulator.Behaviour;

/// <summary>Read-only views over a validated <c>messages</c> array.</summary>
internal static class Conversation
{
    public static string? Role(JsonElement message) => message.GetProperty("role").GetString();

    /// <summary>Text of string content or of the message's text blocks (not of nested tool results).</summary>
    public static string Text(JsonElement message)
    {
        var content = message.GetProperty("content");
        if (content.ValueKind == JsonValueKind.String) return content.GetString()!;
        var sb = new StringBuilder();
        foreach (var block in content.EnumerateArray())
            if (Type(block) == "text") Append(sb, block.GetProperty("text").GetString());
        return sb.ToString();
    }

    public static IEnumerable<JsonElement> Blocks(JsonElement message, string type)
    {
        var content = message.GetProperty("content");
        if (content.ValueKind != JsonValueKind.Array) yield break;
        foreach (var block in content.EnumerateArray())
            if (Type(block) == type) yield return block;
    }

    /// <summary>A tool_result's content as plain text.</summary>
    public static string ResultText(JsonElement toolResult)
    {
        if (!toolResult.TryGetProperty("content", out var content)) return "";
        if (content.ValueKind == JsonValueKind.String) return content.GetString()!;
        if (content.ValueKind != JsonValueKind.Array) return "";
        var sb = new StringBuilder();
        foreach (var block in content.EnumerateArray())
            if (Type(block) == "text") Append(sb, block.GetProperty("text").GetString());
        return sb.ToString();
    }

    public static JsonElement? LastOfRole(JsonElement messages, string role)
    {
        for (var i = messages.GetArrayLength() - 1; i >= 0; i--)
            if (Role(messages[i]) == role) return messages[i];
        return null;
    }

    public static JsonElement? FirstOfRole(JsonElement messages, string role)
    {
        foreach (var m in messages.EnumerateArray())
            if (Role(m) == role) return m;
        return null;
    }

    private static string? Type(JsonElement block) =>
        block.TryGetProperty("type", out var t) ? t.GetString() : null;

    private static void Append(StringBuilder sb, string? text)
    {
        if (sb.Length > 0) sb.Append('\n');
        sb.Append(text);
    }
}
