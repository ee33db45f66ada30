using System.Text.Json;

namespace Gateway.Simulator;

/// <summary>
/// Deterministic token estimates: UTF-8 characters / 4 (rounded up) over every string the model would read
/// (system, message text, tool inputs and results, tool definitions), plus a flat cost per image.
/// Not a tokenizer; stable across runs so tests can assert exact numbers.
/// </summary>
internal static class TokenEstimator
{
    private const int TokensPerImage = 1_000;

    public static int Input(JsonElement request, int images)
    {
        long chars = 0;
        if (request.TryGetProperty("system", out var system)) chars += Chars(system);
        if (request.TryGetProperty("messages", out var messages)) chars += Chars(messages);
        if (request.TryGetProperty("tools", out var tools)) chars += tools.GetRawText().Length;
        return (int)Math.Max(1, (chars + 3) / 4 + (long)images * TokensPerImage);
    }

    public static int Output(int chars) => Math.Max(1, (chars + 3) / 4);

    /// <summary>Length of every string value, skipping base64 payloads and signatures.</summary>
    private static long Chars(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString()!.Length,
        JsonValueKind.Array => e.EnumerateArray().Sum(Chars),
        JsonValueKind.Object => e.EnumerateObject()
            .Where(p => p.Name is not ("data" or "signature" or "type" or "media_type" or "id" or "tool_use_id" or "cache_control"))
            .Sum(p => p.Name == "input" ? p.Value.GetRawText().Length : Chars(p.Value)),
        _ => 0,
    };
}
