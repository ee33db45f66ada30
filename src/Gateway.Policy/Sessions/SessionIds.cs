using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gateway.Core.Protocol.OpenAi;

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
    /// values longer than <see cref="MaxHeaderLength"/> are hashed), else <see cref="Derive(ChatCompletionRequest, string?)"/>.
    /// </summary>
    public static string? Resolve(ChatCompletionRequest request, IReadOnlyDictionary<string, string> headers, string headerName, string? salt = null)
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
    /// A stable id from the first system (or developer) message and the first user message: 16 hex chars of SHA-256 over
    /// their roles and texts (and <paramref name="salt"/>, e.g. the hash of the gateway key, so two tenants who open with the same
    /// words do not share a session). Null when the request has no user message and no system message.
    /// </summary>
    public static string? Derive(ChatCompletionRequest request, string? salt = null)
    {
        string? system = null, user = null;
        foreach (var m in request.Messages ?? [])
        {
            if (m is null) continue;
            if (system is null && m.Role is "system" or "developer") system = TextOf(m.Content);
            else if (user is null && m.Role == "user") user = TextOf(m.Content);
            if (system is not null && user is not null) break;
        }
        if (system is null && user is null) return null;
        var material = $"salt\u0000{salt}\u0000system\u0000{system}\u0000user\u0000{user}";
        return "d:" + Hash(material);
    }

    private static string Hash(string material) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(material)))[..16];

    /// <summary>The text of a content (string, or text parts joined by newlines); images and other parts are ignored.</summary>
    internal static string TextOf(JsonElement? content)
    {
        if (content is not { } c) return "";
        switch (c.ValueKind)
        {
            case JsonValueKind.String:
                return c.GetString() ?? "";
            case JsonValueKind.Array:
                var sb = new StringBuilder();
                foreach (var part in c.EnumerateArray())
                {
                    string? t = part.ValueKind switch
                    {
                        JsonValueKind.String => part.GetString(),
                        JsonValueKind.Object when part.TryGetProperty("text", out var tx) && tx.ValueKind == JsonValueKind.String => tx.GetString(),
                        _ => null,
                    };
                    if (t is null) continue;
                    if (sb.Length > 0) sb.Append('\n');
                    sb.Append(t);
                }
                return sb.ToString();
            default:
                return "";
        }
    }
}
