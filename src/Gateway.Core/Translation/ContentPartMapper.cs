using System.Text.Json;
using Gateway.Core.Errors;
using Gateway.Core.Protocol.Anthropic;

namespace Gateway.Core.Translation;

/// <summary>
/// OpenAI message <c>content</c> (string, parts array or null) -> Anthropic blocks. Empty and whitespace-only
/// text never becomes a block (Anthropic rejects them). <c>input_audio</c> is a 400; <c>file</c> and unknown part
/// types are dropped with an adjustment.
/// </summary>
internal static class ContentPartMapper
{
    /// <summary>Text and images (user and tool messages).</summary>
    public static List<MessagesRequestContentBlock> Map(JsonElement? content, string param, bool allowImages, List<string> adjustments)
    {
        var blocks = new List<MessagesRequestContentBlock>();
        if (content is not { } c) return blocks;
        switch (c.ValueKind)
        {
            case JsonValueKind.String:
                AddText(blocks, c.GetString());
                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var part in c.EnumerateArray())
                {
                    MapPart(part, $"{param}[{i}]", allowImages, blocks, adjustments);
                    i++;
                }
                break;
        }
        return blocks;
    }

    /// <summary>Only the text of a content (system, developer, function results), parts joined by newlines.</summary>
    public static string Text(JsonElement? content, string param, List<string> adjustments)
    {
        var blocks = Map(content, param, allowImages: false, adjustments);
        return string.Join("\n", blocks.Where(b => b.Type == "text").Select(b => b.Text));
    }

    private static void MapPart(JsonElement part, string param, bool allowImages, List<MessagesRequestContentBlock> blocks, List<string> adjustments)
    {
        if (part.ValueKind == JsonValueKind.String) { AddText(blocks, part.GetString()); return; }
        if (part.ValueKind != JsonValueKind.Object)
            throw GatewayException.BadRequest($"Invalid content part at '{param}': expected an object.", param, "invalid_type");
        var type = part.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        switch (type)
        {
            case "text":
            case "input_text":
                AddText(blocks, part.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String ? text.GetString() : null);
                break;
            case "refusal":
                AddText(blocks, part.TryGetProperty("refusal", out var refusal) && refusal.ValueKind == JsonValueKind.String ? refusal.GetString() : null);
                break;
            case "image_url":
                if (!allowImages) { adjustments.Add($"{param}: image dropped (not allowed in this message role)"); break; }
                string? url = null;
                if (part.TryGetProperty("image_url", out var iu))
                    url = iu.ValueKind switch
                    {
                        JsonValueKind.String => iu.GetString(),
                        JsonValueKind.Object when iu.TryGetProperty("url", out var u) && u.ValueKind == JsonValueKind.String => u.GetString(),
                        _ => null,
                    };
                blocks.Add(ImagePartMapper.Map(url, param, adjustments));
                break;
            case "input_audio":
                throw GatewayException.BadRequest($"Audio input is not supported by this gateway ('{param}').", param, "unsupported_content_type");
            case "file":
                adjustments.Add($"{param}: file part dropped (file inputs are not supported)");
                break;
            default:
                adjustments.Add($"{param}: unsupported content part type '{type ?? "(none)"}' dropped");
                break;
        }
    }

    private static void AddText(List<MessagesRequestContentBlock> blocks, string? text)
    {
        if (!string.IsNullOrWhiteSpace(text)) blocks.Add(MessagesRequestContentBlock.TextBlock(text));
    }
}
