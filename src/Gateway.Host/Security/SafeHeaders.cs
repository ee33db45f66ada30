namespace Gateway.Host.Security;

/// <summary>
/// The request headers the policy layer may see: everything except credentials and cookies. Rules never get
/// a secret, and neither do logs built from what rules saw.
/// </summary>
public static class SafeHeaders
{
    private static readonly HashSet<string> Secret = new(StringComparer.OrdinalIgnoreCase)
    {
        "Authorization", "Proxy-Authorization", "X-API-Key", "api-key", "X-Admin-Key", "Cookie", "Set-Cookie",
        ClientAccessFilter.OriginSecretHeader, ClientAccessFilter.CfAccessJwtHeader,
    };

    public static IReadOnlyDictionary<string, string> From(IHeaderDictionary headers)
    {
        var safe = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in headers)
            if (!Secret.Contains(name)) safe[name] = value.ToString();
        return safe;
    }
}
