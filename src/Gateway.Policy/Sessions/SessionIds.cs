using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Gateway.Core.Protocol.Anthropic;

namespace Gateway.Policy.Sessions;

/// <summary>
/// Session ids for sticky routing: the client's header when it sends one, otherwise derived from the conversation's
/// first system and first user message, which stay the same for every request of an agent session.
/// </summary>
public static class SessionIds
{
    /// <summary>Longest header value accepted as a session id (longer values are hashed).</summary>
    public const int MaxHeaderLength = 128;

    /// <summary>
    /// The session id of a request: the value of <paramref name="headerName"/> in <paramref name="headers"/> (case-insensitive name;
    /// values longer than <see cref="MaxHeaderLength"/> are hashed), else <see cref="Derive(MessagesRequest, string?)"/>.
    /// </summary>
    public static string? Resolve(MessagesRequest request, IReadOnlyDictionary<string, string> headers, string headerName, string? salt = null)
    {
        foreach (var (name, value) in headers)
        {
            if (!string.Equals(name, headerName, StringComparison.OrdinalIgnoreCase) || string.IsNullOrWhiteSpace(value)) continue;
            var v = value.Trim();
            return v.Length <= MaxHeaderLength ? "h:" + v : "h:" + Hash(v);
        }
        return Derive(request, salt);
    }

    /// <summary>
    /// A stable id from what every turn of a conversation repeats: the system prompt and the first user message's text, with the
    /// key's hash as salt (two tenants with the same prompts get different ids). Null when the request has neither.
    /// </summary>
    public static string? Derive(MessagesRequest request, string? salt = null)
    {
        var system = request.System is { Count: > 0 } s ? s : null;
        var firstUser = request.Messages.FirstOrDefault(m => m.Role == "user" && m.Content.Any(b => b.Type == "text"));
        if (system is null && firstUser is null) return null;
        // Hashed as it is read, without joining the texts into one string first (a system prompt is often tens of KB).
        var hash = new XxHash128();
        Append(hash, "salt\u0000");
        Append(hash, salt ?? "");
        Append(hash, "\u0000system\u0000");
        if (system is not null) AppendTexts(hash, system);
        Append(hash, "\u0000user\u0000");
        if (firstUser is not null) AppendTexts(hash, firstUser.Content);
        Span<byte> digest = stackalloc byte[16];
        hash.GetCurrentHash(digest);
        return "d:" + Convert.ToHexStringLower(digest[..8]);
    }

    private static void Append(XxHash128 hash, string text) => hash.Append(MemoryMarshal.AsBytes(text.AsSpan()));

    /// <summary>The text blocks, newline-separated, as one text would be.</summary>
    private static void AppendTexts(XxHash128 hash, IEnumerable<MessagesRequestContentBlock> blocks)
    {
        var first = true;
        foreach (var b in blocks)
        {
            if (b.Type != "text" || b.Text is null) continue;
            if (!first) Append(hash, "\n");
            Append(hash, b.Text);
            first = false;
        }
    }

    private static string Hash(string material) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(material)))[..16];
}
