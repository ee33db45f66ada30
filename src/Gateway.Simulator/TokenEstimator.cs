using System.Text.Json;

namespace Gateway.Simulator;

/// <summary>
/// Deterministic token estimates: UTF-8 characters / 4 (rounded up) over every string the model would read
/// (system, message text, tool inputs and results, tool definitions), plus a flat cost per image.
/// Not a tokenizer; stable across runs so tests can assert exact numbers.
/// The count is a sum over blocks (each tool, system block, message content block), so the prompt-cache
/// simulation can count any prefix with the same rules (<see cref="Caching.PromptLayout"/>);
/// <c>cache_control</c> never counts, so moving a breakpoint does not change the total.
/// </summary>
internal static class TokenEstimator
{
    public const int TokensPerImage = 1_000;

    public static int Input(JsonElement request, int images)
    {
        long chars = 0;
        if (request.TryGetProperty("system", out var system)) chars += Chars(system);
        if (request.TryGetProperty("messages", out var messages)) chars += Chars(messages);
        if (request.TryGetProperty("tools", out var tools) && tools.ValueKind == JsonValueKind.Array)
            foreach (var tool in tools.EnumerateArray()) chars += ToolChars(tool);
        return Tokens(chars, images);
    }

    /// <summary>Tokens for a character and image count (at least 1, as the whole-request estimate).</summary>
    public static int Tokens(long chars, long images) => (int)Math.Max(1, (chars + 3) / 4 + images * TokensPerImage);

    public static int Output(int chars) => Math.Max(1, (chars + 3) / 4);

    /// <summary>A tool definition: the JSON of every field but <c>cache_control</c>, plus the field names.</summary>
    public static long ToolChars(JsonElement tool)
    {
        if (tool.ValueKind != JsonValueKind.Object) return JsonChars(tool);
        long chars = 0;
        foreach (var p in tool.EnumerateObject())
            if (p.Name != "cache_control") chars += p.Name.Length + JsonChars(p.Value);
        return chars;
    }

    /// <summary>
    /// The length of a value written as compact JSON with its strings unescaped: what the text says, not how the sender escaped
    /// it (<c>&lt;</c> and <c>\u003C</c> cost the same, as they do to the real tokenizer, which sees the decoded text).
    /// </summary>
    public static long JsonChars(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString()!.Length + 2,
        JsonValueKind.Array => 2 + e.EnumerateArray().Sum(v => JsonChars(v) + 1) - (e.GetArrayLength() > 0 ? 1 : 0),
        JsonValueKind.Object => 2 + e.EnumerateObject().Sum(p => p.Name.Length + 3 + JsonChars(p.Value) + 1) - (e.EnumerateObject().Any() ? 1 : 0),
        _ => e.GetRawText().Length,
    };

    /// <summary>Length of every string value, skipping base64 payloads and signatures.</summary>
    public static long Chars(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString()!.Length,
        JsonValueKind.Array => e.EnumerateArray().Sum(Chars),
        JsonValueKind.Object => e.EnumerateObject()
            .Where(p => p.Name is not ("data" or "signature" or "type" or "media_type" or "id" or "tool_use_id" or "cache_control"))
            .Sum(p => p.Name == "input" ? JsonChars(p.Value) : Chars(p.Value)),
        _ => 0,
    };
}
