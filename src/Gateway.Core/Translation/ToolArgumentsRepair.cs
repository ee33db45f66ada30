using System.Text.Json;

namespace Gateway.Core.Translation;

/// <summary>
/// Turns an OpenAI <c>function.arguments</c> (a JSON string, sometimes truncated or empty) into the JSON object
/// Anthropic requires as <c>tool_use.input</c>. Deterministic and total: empty -> <c>{}</c>; valid object -> as is;
/// valid non-object -> <c>{"value": ...}</c>; invalid JSON -> <c>{"_raw": "..."}</c>.
/// </summary>
internal static class ToolArgumentsRepair
{
    private static readonly JsonElement Empty = JsonDocument.Parse("{}").RootElement.Clone();

    public static JsonElement ToInputObject(JsonElement? arguments, out bool repaired)
    {
        repaired = false;
        if (arguments is not { } a || a.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined) return Empty;
        if (a.ValueKind == JsonValueKind.Object) return a.Clone();
        if (a.ValueKind != JsonValueKind.String) { repaired = true; return Wrap("value", a); }

        var text = a.GetString() ?? "";
        if (string.IsNullOrWhiteSpace(text)) return Empty;
        try
        {
            using var doc = JsonDocument.Parse(text);
            if (doc.RootElement.ValueKind == JsonValueKind.Object) return doc.RootElement.Clone();
            repaired = true;
            return Wrap("value", doc.RootElement);
        }
        catch (JsonException)
        {
            repaired = true;
            using var raw = JsonDocument.Parse(JsonSerializer.Serialize(text, TranslationJsonContext.Default.String));
            return Wrap("_raw", raw.RootElement);
        }
    }

    private static JsonElement Wrap(string key, JsonElement value)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WritePropertyName(key);
            value.WriteTo(w);
            w.WriteEndObject();
        }
        return JsonDocument.Parse(buffer.ToArray()).RootElement.Clone();
    }
}
