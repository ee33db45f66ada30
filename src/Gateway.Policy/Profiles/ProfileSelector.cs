using Gateway.Policy.Configuration;

namespace Gateway.Policy.Profiles;

/// <summary>
/// Chooses the profile of a request, once, before any rule runs:
/// 1. a gateway key bound to a profile (<c>match.key_sha256</c>) selects it;
/// 2. otherwise a header (<c>match.header</c>, usually <c>X-Gateway-Profile: NAME</c>) selects a profile;
/// 3. otherwise a model prefix (<c>match.model_prefix</c>: <c>acme/claude-sonnet-4-0</c>) selects it, and the prefix is removed;
/// 4. otherwise <c>default</c>.
/// A bound key that asks (by header or model prefix) for a profile other than its own is refused with a 403 message unless its
/// profile says <c>allow_header_override: true</c>: silently ignoring the ask would hide a misconfigured client. Refused too:
/// a header value naming no profile (when some profile listens to that header), and a header and a model prefix that point
/// to different profiles. <c>X-Gateway-Profile</c> is always read (<c>X-Gateway-Profile: default</c> names the catch-all); other
/// header names only when a profile matches on them. Header names are case-insensitive, as in HTTP; header values and prefixes compare case-insensitively.
/// </summary>
public static class ProfileSelector
{
    public const string DefaultProfile = "default";
    public const string DefaultHeader = "X-Gateway-Profile";

    public static ProfileSelection Select(IReadOnlyList<ProfileConfig> profiles, string? keySha256, IReadOnlyDictionary<string, string> headers,
        string? requestedModel)
    {
        var bound = keySha256 is null ? null : profiles.FirstOrDefault(p => p.Match.KeySha256.Contains(keySha256, StringComparer.OrdinalIgnoreCase));
        var (byHeader, headerText, unknownHeader) = FromHeader(profiles, headers);
        var byPrefix = FromPrefix(profiles, requestedModel);
        var stripped = byPrefix is null ? requestedModel : requestedModel![byPrefix.Match.ModelPrefix!.Length..];

        if (unknownHeader is not null)
            return Refuse(bound?.Name, requestedModel, $"{unknownHeader} names no profile of this gateway");

        if (bound is not null)
        {
            // 1. The key decides, unless its profile lets the client pick another one.
            var asked = byHeader ?? byPrefix;
            if (asked is null || asked.Name == bound.Name)
                return new(bound.Name, byPrefix?.Name == bound.Name ? stripped : requestedModel, ProfileSelection.ByKey, null);
            if (byHeader is not null && byPrefix is not null && byHeader.Name != byPrefix.Name)
                return Conflict(bound.Name, requestedModel, byHeader, headerText!, byPrefix);
            if (!bound.AllowHeaderOverride)
            {
                var how = byHeader is not null ? $"header {headerText}" : $"model prefix '{byPrefix!.Match.ModelPrefix}'";
                return Refuse(bound.Name, requestedModel,
                    $"this API key is bound to profile '{bound.Name}' and cannot select profile '{asked.Name}' ({how}); " +
                    $"remove the {(byHeader is not null ? "header" : "prefix")} or use a key of that profile");
            }
            return byHeader is not null
                ? new(byHeader.Name, byPrefix is not null ? stripped : requestedModel, ProfileSelection.ByHeader, null)
                : new(byPrefix!.Name, stripped, ProfileSelection.ByModelPrefix, null);
        }

        // 2. Header, 3. model prefix (they must agree when both are present).
        if (byHeader is not null)
        {
            if (byPrefix is not null && byPrefix.Name != byHeader.Name) return Conflict(null, requestedModel, byHeader, headerText!, byPrefix);
            return new(byHeader.Name, byPrefix is not null ? stripped : requestedModel, ProfileSelection.ByHeader, null);
        }
        if (byPrefix is not null) return new(byPrefix.Name, stripped, ProfileSelection.ByModelPrefix, null);

        // 4. The catch-all.
        return new(DefaultProfile, requestedModel, ProfileSelection.ByDefault, null);
    }

    private static ProfileSelection Refuse(string? bound, string? model, string message) =>
        new(bound ?? DefaultProfile, model, bound is null ? ProfileSelection.ByHeader : ProfileSelection.ByKey, message);

    private static ProfileSelection Conflict(string? bound, string? model, ProfileConfig byHeader, string headerText, ProfileConfig byPrefix) =>
        Refuse(bound, model, $"header {headerText} selects profile '{byHeader.Name}' but model prefix '{byPrefix.Match.ModelPrefix}' selects '{byPrefix.Name}'");

    /// <summary>The profile a header selects; or the header text of a value no profile knows.</summary>
    private static (ProfileConfig? Profile, string? Text, string? Unknown) FromHeader(IReadOnlyList<ProfileConfig> profiles, IReadOnlyDictionary<string, string> headers)
    {
        if (headers.Count == 0) return (null, null, null);
        string? unknown = null;
        var names = profiles.Select(p => p.Match.HeaderName).Where(n => n is not null).Prepend(DefaultHeader).Distinct(StringComparer.OrdinalIgnoreCase);
        foreach (var name in names)
        {
            if (Header(headers, name!) is not { } value || value.Length == 0) continue;
            var profile = profiles.FirstOrDefault(p => string.Equals(p.Match.HeaderName, name, StringComparison.OrdinalIgnoreCase)
                && string.Equals(p.Match.HeaderValue, value, StringComparison.OrdinalIgnoreCase));
            // X-Gateway-Profile: default names the catch-all, which has no match of its own.
            if (profile is null && string.Equals(name, DefaultHeader, StringComparison.OrdinalIgnoreCase)
                && string.Equals(value, DefaultProfile, StringComparison.OrdinalIgnoreCase))
                profile = profiles.FirstOrDefault(p => p.Name == DefaultProfile);
            if (profile is not null) return (profile, $"'{name}: {value}'", null);
            unknown ??= $"header '{name}: {value}'";
        }
        return (null, null, unknown);
    }

    private static ProfileConfig? FromPrefix(IReadOnlyList<ProfileConfig> profiles, string? model)
    {
        if (string.IsNullOrEmpty(model) || !model.Contains('/')) return null;
        return profiles.FirstOrDefault(p => p.Match.ModelPrefix is { } prefix && model.Length > prefix.Length
            && model.StartsWith(prefix, StringComparison.OrdinalIgnoreCase));
    }

    private static string? Header(IReadOnlyDictionary<string, string> headers, string name)
    {
        if (headers.TryGetValue(name, out var v)) return v.Trim();
        foreach (var (k, value) in headers)
            if (string.Equals(k, name, StringComparison.OrdinalIgnoreCase)) return value.Trim();
        return null;
    }
}
