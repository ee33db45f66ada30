using System.Text.Json;

namespace Gateway.Core.Translation;

/// <summary>
/// Makes a client JSON Schema usable as Anthropic <c>input_schema</c>, which must be an object schema:
/// missing/empty -> <c>{"type":"object","properties":{}}</c>; an object without <c>type</c> gets <c>"type":"object"</c>.
/// </summary>
internal static class SchemaNormalizer
{
    public static JsonElement EmptyObjectSchema { get; } = JsonDocument.Parse("""{"type":"object","properties":{}}""").RootElement.Clone();

    /// <returns>The schema; <paramref name="problem"/> says what was fixed (null when nothing was).</returns>
    public static JsonElement ToInputSchema(JsonElement? schema, out string? problem)
    {
        problem = null;
        if (schema is not { ValueKind: JsonValueKind.Object } s)
        {
            if (schema is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) }) problem = "parameters was not a JSON object; replaced by an empty object schema";
            return EmptyObjectSchema;
        }
        if (!s.EnumerateObject().Any()) return EmptyObjectSchema;
        if (s.TryGetProperty("type", out var type))
        {
            if (type.ValueKind == JsonValueKind.String && type.GetString() == "object") return s.Clone();
            problem = "schema type was not 'object'; replaced by an empty object schema";
            return EmptyObjectSchema;
        }
        problem = "schema had no type; set to 'object'";
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("type", "object");
            foreach (var p in s.EnumerateObject()) p.WriteTo(w);
            w.WriteEndObject();
        }
        return JsonDocument.Parse(buffer.ToArray()).RootElement.Clone();
    }

    /// <summary>True when <paramref name="schema"/> is an object schema (usable as a forced tool's input_schema as is).</summary>
    public static bool IsObjectSchema(JsonElement schema) =>
        schema.ValueKind == JsonValueKind.Object
        && (!schema.TryGetProperty("type", out var t) || (t.ValueKind == JsonValueKind.String && t.GetString() == "object"));
}
