using Gateway.Core.Errors;
using Gateway.Core.Protocol.Anthropic;

namespace Gateway.Core.Translation;

/// <summary>
/// OpenAI <c>image_url</c> part -> Anthropic image block. <c>data:</c> URLs become base64 sources with a media type
/// Anthropic accepts (jpeg, png, gif, webp): aliases are normalized (<c>image/jpg</c> -> <c>image/jpeg</c>) and the
/// magic bytes win when the declared type is missing or wrong. http(s) URLs become url sources. Anything else is a 400.
/// </summary>
internal static class ImagePartMapper
{
    private static readonly HashSet<string> Supported = ["image/jpeg", "image/png", "image/gif", "image/webp"];

    public static MessagesRequestContentBlock Map(string? url, string param, List<string> adjustments)
    {
        if (string.IsNullOrWhiteSpace(url))
            throw GatewayException.BadRequest($"'{param}' needs an image_url.url.", param, "invalid_image_url");
        url = url.Trim();

        if (url.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || url.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            return MessagesRequestContentBlock.Image(new MessagesRequestImageSource { Type = "url", Url = url });

        if (!url.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
            throw GatewayException.BadRequest($"'{param}': image_url.url must be an http(s) URL or a base64 data URL.", param, "invalid_image_url");

        var comma = url.IndexOf(',');
        if (comma < 0)
            throw GatewayException.BadRequest($"'{param}': malformed data URL (no comma).", param, "invalid_image_url");
        var header = url[5..comma];
        var data = url[(comma + 1)..].Trim();
        var parts = header.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (!parts.Any(p => p.Equals("base64", StringComparison.OrdinalIgnoreCase)))
            throw GatewayException.BadRequest($"'{param}': only base64 data URLs are supported.", param, "invalid_image_url");
        var declared = parts.Length > 0 && parts[0].Contains('/') ? Normalize(parts[0]) : null;

        byte[] head;
        try { head = DecodeHead(data); }
        catch (FormatException)
        {
            throw GatewayException.BadRequest($"'{param}': the data URL is not valid base64.", param, "invalid_image_url");
        }
        var sniffed = Sniff(head);

        string mediaType;
        if (sniffed is not null)
        {
            mediaType = sniffed;
            if (declared is not null && declared != sniffed)
                adjustments.Add($"{param}: declared {declared} but the bytes are {sniffed}; sent as {sniffed}");
            else if (declared is null)
                adjustments.Add($"{param}: no image type declared; detected {sniffed}");
        }
        else if (declared is not null && Supported.Contains(declared)) mediaType = declared;
        else
            throw GatewayException.BadRequest(
                $"'{param}': unsupported image type '{declared ?? "unknown"}'. Supported: image/jpeg, image/png, image/gif, image/webp.",
                param, "unsupported_image_type");

        return MessagesRequestContentBlock.Image(new MessagesRequestImageSource { Type = "base64", MediaType = mediaType, Data = data });
    }

    internal static string Normalize(string mime) => mime.Trim().ToLowerInvariant() switch
    {
        "image/jpg" or "image/pjpeg" or "image/jpe" => "image/jpeg",
        "image/x-png" => "image/png",
        "image/x-webp" => "image/webp",
        var m => m,
    };

    /// <summary>First bytes of a base64 payload (enough for magic numbers).</summary>
    private static byte[] DecodeHead(string base64)
    {
        var take = Math.Min(base64.Length, 32) / 4 * 4;
        if (take == 0) throw new FormatException();
        var head = Convert.FromBase64String(base64[..take]);
        // Validate the rest cheaply: the whole payload must be base64 too.
        if (!Convert.TryFromBase64String(base64, new byte[base64.Length], out _)) throw new FormatException();
        return head;
    }

    internal static string? Sniff(ReadOnlySpan<byte> b)
    {
        if (b.Length >= 8 && b[0] == 0x89 && b[1] == 0x50 && b[2] == 0x4E && b[3] == 0x47) return "image/png";
        if (b.Length >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF) return "image/jpeg";
        if (b.Length >= 6 && b[0] == 'G' && b[1] == 'I' && b[2] == 'F' && b[3] == '8') return "image/gif";
        if (b.Length >= 12 && b[0] == 'R' && b[1] == 'I' && b[2] == 'F' && b[3] == 'F' && b[8] == 'W' && b[9] == 'E' && b[10] == 'B' && b[11] == 'P') return "image/webp";
        return null;
    }
}
