using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Gateway.Reduction;

/// <summary>Kinds of must-keep facts (issue #5: what the model needs after any reduction).</summary>
public enum FactKind { UserInstruction, NewestToolResult, PendingToolCallId, PendingToolCallName, PathOrIdentifier }

public sealed record Fact(FactKind Kind, string Text);

public sealed record RetentionResult(int Facts, int Present, IReadOnlyList<Fact> Missing)
{
    public double Share => Facts == 0 ? 1.0 : (double)Present / Facts;
}

/// <summary>
/// Retention: the share of must-keep facts of a client request that are still present in what was sent upstream.
/// Facts come from the client's (unmodified) OpenAI request:
/// <list type="number">
/// <item>the latest user instruction: the text of the last <c>user</c> message;</item>
/// <item>the newest tool results: the text of every <c>tool</c> message after the last <c>assistant</c> message;</item>
/// <item>every pending tool call: id and function name of each tool call of the last assistant message, when tool
/// messages answer it (the request continues that tool loop);</item>
/// <item>file paths and identifiers from the last two turns (the messages from the second-to-last assistant message
/// on, plus the latest user message), by regex: paths with a known source extension, camelCase, PascalCase
/// (two humps or more), snake_case and CONST_CASE words of 4+ characters; at most 200 distinct per request.</item>
/// </list>
/// A fact is present when it occurs in the upstream request's text: every JSON string value of the Messages body
/// (system, text blocks, tool_result content, tool_use ids, names and input values), whitespace runs collapsed to
/// one space on both sides. So a reduction that replaces the newest tool result by a reference, cuts the user's
/// text or renames a pending call loses retention; one that shortens an old turn does not.
/// </summary>
public static partial class Retention
{
    private const int MaxNamedFacts = 200;

    [GeneratedRegex(@"(?<![\w/.-])(?:\.{1,2}/)?(?:[\w.-]+/)*[\w-]+\.(?:js|mjs|cjs|ts|tsx|jsx|json|md|cs|csproj|sln|py|go|rs|java|kt|rb|php|yaml|yml|toml|txt|sh|html|css|sql|xml|props|lock)\b")]
    private static partial Regex PathRegex();

    [GeneratedRegex(@"\b(?:[a-z][a-z0-9]*(?:[A-Z][a-z0-9]*)+|[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+|[a-z][a-z0-9]*(?:_[a-z0-9]+)+|[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)\b")]
    private static partial Regex IdentifierRegex();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    public static string Normalize(string s) => Whitespace().Replace(s, " ").Trim();

    /// <summary>The must-keep facts of a client request (OpenAI Chat Completions body).</summary>
    public static IReadOnlyList<Fact> Extract(JsonObject body)
    {
        var facts = new List<Fact>();
        if (body["messages"] is not JsonArray messages) return facts;
        var list = messages.OfType<JsonObject>().ToList();
        string Role(JsonObject m) => m["role"]?.GetValue<string>() ?? "";

        var lastUser = list.FindLastIndex(m => Role(m) == "user");
        if (lastUser >= 0)
        {
            var text = ContentText(list[lastUser]["content"]);
            if (text.Trim().Length > 0) facts.Add(new Fact(FactKind.UserInstruction, text));
        }

        var lastAssistant = list.FindLastIndex(m => Role(m) == "assistant");
        if (lastAssistant >= 0)
        {
            var after = list.Skip(lastAssistant + 1).Where(m => Role(m) == "tool").ToList();
            foreach (var tool in after)
            {
                var text = ContentText(tool["content"]);
                if (text.Trim().Length > 0) facts.Add(new Fact(FactKind.NewestToolResult, text));
            }
            if (after.Count > 0 && list[lastAssistant]["tool_calls"] is JsonArray calls)
                foreach (var call in calls.OfType<JsonObject>())
                {
                    if (call["id"]?.GetValue<string>() is { Length: > 0 } id) facts.Add(new Fact(FactKind.PendingToolCallId, id));
                    if (call["function"]?["name"]?.GetValue<string>() is { Length: > 0 } name) facts.Add(new Fact(FactKind.PendingToolCallName, name));
                }
        }

        // The last two turns: from the second-to-last assistant message on, and the latest user message.
        var assistants = list.Select((m, i) => (m, i)).Where(x => Role(x.m) == "assistant").Select(x => x.i).ToList();
        var from = assistants.Count >= 2 ? assistants[^2] : assistants.Count == 1 ? assistants[0] : Math.Max(0, lastUser);
        if (lastUser >= 0) from = Math.Min(from, lastUser);
        var window = new StringBuilder();
        foreach (var m in list.Skip(from).Where(m => Role(m) != "system"))
        {
            window.Append(ContentText(m["content"])).Append('\n');
            if (m["tool_calls"] is JsonArray calls)
                foreach (var call in calls.OfType<JsonObject>())
                    window.Append(ArgumentStrings(call["function"]?["arguments"]?.GetValue<string>())).Append('\n');
        }
        var named = new HashSet<string>(StringComparer.Ordinal);
        var windowText = window.ToString();
        foreach (Match match in PathRegex().Matches(windowText)) if (named.Count < MaxNamedFacts) named.Add(match.Value);
        foreach (Match match in IdentifierRegex().Matches(windowText))
            if (match.Value.Length >= 4 && named.Count < MaxNamedFacts) named.Add(match.Value);
        facts.AddRange(named.Select(n => new Fact(FactKind.PathOrIdentifier, n)));
        return facts;
    }

    /// <summary>Checks each fact against the upstream Messages body.</summary>
    public static RetentionResult Check(IReadOnlyList<Fact> facts, string upstreamBody)
    {
        var text = Normalize(UpstreamText(upstreamBody));
        var missing = facts.Where(f => !text.Contains(Normalize(f.Text), StringComparison.Ordinal)).ToList();
        return new RetentionResult(facts.Count, facts.Count - missing.Count, missing);
    }

    /// <summary>Every JSON string value of the body, one per line (tool_use input included).</summary>
    public static string UpstreamText(string body)
    {
        var sb = new StringBuilder(body.Length);
        try
        {
            using var doc = JsonDocument.Parse(body);
            Walk(doc.RootElement, sb);
        }
        catch (JsonException)
        {
            sb.Append(body);
        }
        return sb.ToString();
    }

    private static void Walk(JsonElement e, StringBuilder sb)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.String: sb.Append(e.GetString()).Append('\n'); break;
            case JsonValueKind.Array: foreach (var x in e.EnumerateArray()) Walk(x, sb); break;
            case JsonValueKind.Object: foreach (var p in e.EnumerateObject()) Walk(p.Value, sb); break;
        }
    }

    /// <summary>Text of an OpenAI content value: a string, or the text of its text parts.</summary>
    private static string ContentText(JsonNode? content) => content switch
    {
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonArray parts => string.Join("\n", parts.OfType<JsonObject>()
            .Where(p => p["type"]?.GetValue<string>() == "text")
            .Select(p => p["text"]?.GetValue<string>() ?? "")),
        _ => "",
    };

    /// <summary>The string values of a tool call's arguments JSON (what the upstream sees as tool_use input values).</summary>
    private static string ArgumentStrings(string? arguments)
    {
        if (string.IsNullOrEmpty(arguments)) return "";
        try
        {
            using var doc = JsonDocument.Parse(arguments);
            var sb = new StringBuilder();
            Walk(doc.RootElement, sb);
            return sb.ToString();
        }
        catch (JsonException)
        {
            return arguments;
        }
    }
}
