using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Gateway.Core.Models;
using Gateway.Core.Protocol.Anthropic;
using Gateway.Core.Protocol.OpenAi;
using Gateway.Core.Translation;

namespace Gateway.Core.Tests.Translation;

/// <summary>Translate a JSON body and look at the wire result; plus a checker for Anthropic's structural rules.</summary>
internal static class TranslationHarness
{
    public static readonly ModelCatalogue Catalogue = ModelCatalogue.LoadDefault();

    public static (JsonElement Wire, RequestTranslation Translation) Translate(string json, string model = "claude-sonnet-4-5-20250929", IThinkingStore? store = null)
    {
        var request = ChatCompletionRequestParser.Parse(Encoding.UTF8.GetBytes(json));
        var translator = new ChatToMessagesRequestTranslator(Catalogue, new TranslationOptions());
        // As the gateway does: load the stored thinking first (in memory: synchronous), then translate.
        var thinking = ThinkingPrefetch.LoadAsync(store ?? new InMemoryThinkingStore(), request, Catalogue, model);
        Assert.True(thinking.IsCompletedSuccessfully, "an in-memory thinking store answers synchronously");
        var t = translator.Translate(request, model, thinking.Result);
        var wire = JsonSerializer.Serialize(t.Request, AnthropicRequestJsonContext.Default.MessagesRequest);
        return (JsonDocument.Parse(wire).RootElement.Clone(), t);
    }

    /// <summary>The rules a strict Messages API enforces on structure; returns the violations.</summary>
    public static List<string> Violations(JsonElement wire)
    {
        var v = new List<string>();
        var idRe = new Regex("^[a-zA-Z0-9_-]+$");
        var nameRe = new Regex("^[a-zA-Z0-9_-]{1,64}$");
        var tools = new HashSet<string>();
        if (wire.TryGetProperty("tools", out var ts))
            foreach (var t in ts.EnumerateArray())
            {
                var n = t.GetProperty("name").GetString()!;
                if (!nameRe.IsMatch(n)) v.Add($"bad tool name {n}");
                if (!tools.Add(n)) v.Add($"duplicate tool {n}");
                if (t.GetProperty("input_schema").GetProperty("type").GetString() != "object") v.Add($"tool {n} schema not object");
            }
        if (wire.GetProperty("max_tokens").GetInt32() < 1) v.Add("max_tokens < 1");
        var messages = wire.GetProperty("messages").EnumerateArray().ToList();
        if (messages.Count == 0) v.Add("no messages");
        else if (messages[0].GetProperty("role").GetString() != "user") v.Add("first message not user");
        string? prevRole = null;
        HashSet<string> openToolUses = [];
        for (var i = 0; i < messages.Count; i++)
        {
            var role = messages[i].GetProperty("role").GetString();
            if (role == prevRole) v.Add($"messages[{i}] same role as previous");
            var blocks = messages[i].GetProperty("content").EnumerateArray().ToList();
            if (blocks.Count == 0) v.Add($"messages[{i}] empty content");
            var seenNonResult = false;
            var resultsHere = new HashSet<string>();
            foreach (var b in blocks)
            {
                var type = b.GetProperty("type").GetString();
                if (type == "text" && string.IsNullOrWhiteSpace(b.GetProperty("text").GetString())) v.Add($"messages[{i}] empty text block");
                if (type == "tool_use")
                {
                    if (role != "assistant") v.Add($"messages[{i}] tool_use in user");
                    var id = b.GetProperty("id").GetString()!;
                    if (!idRe.IsMatch(id)) v.Add($"bad tool_use id {id}");
                    if (!tools.Contains(b.GetProperty("name").GetString()!)) v.Add($"tool_use of undefined tool {b.GetProperty("name")}");
                    if (b.GetProperty("input").ValueKind != JsonValueKind.Object) v.Add("tool_use input not object");
                }
                if (type == "tool_result")
                {
                    if (seenNonResult) v.Add($"messages[{i}] tool_result after other content");
                    var id = b.GetProperty("tool_use_id").GetString()!;
                    if (!openToolUses.Contains(id)) v.Add($"messages[{i}] orphan tool_result {id}");
                    resultsHere.Add(id);
                    foreach (var c in b.GetProperty("content").EnumerateArray())
                        if (c.GetProperty("type").GetString() == "text" && string.IsNullOrWhiteSpace(c.GetProperty("text").GetString())) v.Add("empty tool_result text");
                }
                else seenNonResult = true;
            }
            if (role == "user" && openToolUses.Count > 0 && !openToolUses.SetEquals(resultsHere)) v.Add($"messages[{i}] does not answer every tool_use of the previous turn");
            openToolUses = role == "assistant" ? blocks.Where(b => b.GetProperty("type").GetString() == "tool_use").Select(b => b.GetProperty("id").GetString()!).ToHashSet() : [];
            prevRole = role;
        }
        if (openToolUses.Count > 0) v.Add("last assistant tool_use has no results");
        if (messages.Count > 0 && messages[^1].GetProperty("role").GetString() == "assistant")
        {
            var last = messages[^1].GetProperty("content").EnumerateArray().Last();
            if (last.GetProperty("type").GetString() == "text" && last.GetProperty("text").GetString()!.EndsWith(' ')) v.Add("final assistant ends with whitespace");
        }
        return v;
    }

    public static string Roles(JsonElement wire) =>
        string.Join(",", wire.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("role").GetString()![0]));

    public static string BlockTypes(JsonElement message) =>
        string.Join(",", message.GetProperty("content").EnumerateArray().Select(b => b.GetProperty("type").GetString()));
}
