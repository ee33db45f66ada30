namespace Gateway.Policy.Configuration;

/// <summary>
/// The seed's environment switches, kept working as overrides of the <c>default</c> profile (issue #4):
/// <list type="table">
/// <item><c>STRIP_IDE_BOILERPLATE</c> → <c>boilerplate.enabled</c></item>
/// <item><c>ENFORCE_DIFF_FIRST</c> → <c>diff_first.enabled</c></item>
/// <item><c>ENABLE_TOOL_RESULT_DEDUP</c> → <c>dedup.enabled</c></item>
/// <item><c>ENABLE_PREFIX_CACHE</c> → <c>cache.prefix_cache</c></item>
/// <item><c>ENABLE_OPUS_ROUTING</c> → <c>routing.enabled</c></item>
/// <item><c>DEFAULT_MODEL</c>, <c>OPUS_MODEL</c> → <c>models.default</c>, <c>models.opus</c>, only where YAML leaves them unset</item>
/// </list>
/// A switch set in the environment wins over <c>default.yaml</c> (that is what an override is for); unset or empty leaves
/// the YAML value. Profiles that extend <c>default</c> (directly or through other profiles) get the same override for every
/// key they (and their non-default ancestors) do not set themselves (<see cref="ProfileConfig.LocalKeys"/>), exactly as if
/// the value had been written in <c>default.yaml</c> before <c>extends</c> was resolved. Profiles not extending <c>default</c>
/// are not touched. A switch value that is not a boolean is ignored here (the host validates the variables at start-up).
/// </summary>
public static class SeedOverrides
{
    public const string StripIdeBoilerplate = "STRIP_IDE_BOILERPLATE";
    public const string EnforceDiffFirst = "ENFORCE_DIFF_FIRST";
    public const string EnableToolResultDedup = "ENABLE_TOOL_RESULT_DEDUP";
    public const string EnablePrefixCache = "ENABLE_PREFIX_CACHE";
    public const string EnableOpusRouting = "ENABLE_OPUS_ROUTING";
    public const string DefaultModel = "DEFAULT_MODEL";
    public const string OpusModel = "OPUS_MODEL";

    /// <summary>Every variable read, in a fixed order (the snapshot version hashes their values).</summary>
    public static readonly IReadOnlyList<string> Variables =
        [StripIdeBoilerplate, EnforceDiffFirst, EnableToolResultDedup, EnablePrefixCache, EnableOpusRouting, DefaultModel, OpusModel];

    /// <summary>Returns the profiles with the overrides applied (the others unchanged, same order).</summary>
    public static IReadOnlyList<ProfileConfig> Apply(IReadOnlyList<ProfileConfig> profiles, IReadOnlyDictionary<string, string?> env)
    {
        var result = new List<ProfileConfig>(profiles.Count);
        foreach (var profile in profiles)
        {
            var isDefault = profile.Name == "default";
            result.Add(isDefault || profile.Ancestors.Contains("default") ? ApplyOne(profile, env, isDefault) : profile);
        }
        return result;
    }

    private static ProfileConfig ApplyOne(ProfileConfig p, IReadOnlyDictionary<string, string?> env, bool isDefault)
    {
        bool Reaches(string key) => isDefault || !p.LocalKeys.Contains(key);

        if (Flag(env, StripIdeBoilerplate) is { } strip && Reaches("boilerplate.enabled"))
            p = p with { Boilerplate = p.Boilerplate with { Enabled = strip } };
        if (Flag(env, EnforceDiffFirst) is { } diff && Reaches("diff_first.enabled"))
            p = p with { DiffFirst = p.DiffFirst with { Enabled = diff } };
        if (Flag(env, EnableToolResultDedup) is { } dedup && Reaches("dedup.enabled"))
            p = p with { Dedup = p.Dedup with { Enabled = dedup } };
        if (Flag(env, EnablePrefixCache) is { } prefix && Reaches("cache.prefix_cache"))
            p = p with { Cache = p.Cache with { PrefixCache = prefix } };
        if (Flag(env, EnableOpusRouting) is { } routing && Reaches("routing.enabled"))
            p = p with { Routing = p.Routing with { Enabled = routing } };
        // Models: YAML wins; the variable fills the gap (a profile pinned to a model keeps it).
        if (Text(env, DefaultModel) is { } model && p.Models.Default is null)
            p = p with { Models = p.Models with { Default = model } };
        if (Text(env, OpusModel) is { } opus && p.Models.Opus is null)
            p = p with { Models = p.Models with { Opus = opus } };
        return p;
    }

    private static string? Text(IReadOnlyDictionary<string, string?> env, string name) =>
        env.TryGetValue(name, out var v) && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;

    private static bool? Flag(IReadOnlyDictionary<string, string?> env, string name) => Text(env, name)?.ToLowerInvariant() switch
    {
        "1" or "true" or "yes" or "on" => true,
        "0" or "false" or "no" or "off" => false,
        _ => null,
    };
}
