namespace Gateway.Policy.Configuration;

/// <summary>
/// Every key a profile file may hold, per section: the one list the binder checks unknown keys against and the test compares
/// with <c>policies/schema/profile.schema.json</c>, so the schema and the loader cannot drift apart.
/// Section paths are dotted; <c>[]</c> marks the items of a list.
/// </summary>
internal static class ProfileKeys
{
    public static readonly IReadOnlyDictionary<string, string[]> Sections = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        [""] = ["version", "name", "description", "extends", "match", "allow_header_override", "models", "caps", "boilerplate",
                "routing", "diff_first", "dedup", "cache", "limits", "rules", "pipeline", "settings", "on_rule_error"],
        ["match"] = ["key_sha256", "header", "model_prefix"],
        ["match.header"] = ["name", "value"],
        ["models"] = ["allowed", "default", "opus", "aliases"],
        ["caps"] = ["enabled", "system", "user", "tool_result", "head_share", "marker", "tool_result_hint", "text_hint"],
        ["caps.system"] = ["max", "unit"],
        ["caps.user"] = ["max", "unit"],
        ["caps.tool_result"] = ["max", "unit"],
        ["boilerplate"] = ["enabled", "patterns"],
        ["boilerplate.patterns[]"] = ["id", "regex", "exact", "applies_to", "replacement", "description"],
        ["routing"] = ["enabled", "opus_allowed", "opus_markers", "long_context_tokens", "many_files_threshold", "hard_task_patterns",
                       "sticky", "session_header"],
        ["diff_first"] = ["enabled", "instruction", "edit_pattern"],
        ["dedup"] = ["enabled", "min_chars", "diff_near_duplicates", "diff_max_ratio"],
        ["cache"] = ["prefix_cache", "ttl", "response_cache"],
        ["limits"] = ["requests_per_minute", "tokens_per_minute", "monthly_budget_usd"],
        ["rules[]"] = ["id", "path", "stage", "budget_ms", "memory_mb", "enabled"],
    };

    /// <summary>Free-form maps (any key, scalar values).</summary>
    public static readonly IReadOnlySet<string> FreeMaps = new HashSet<string>(StringComparer.Ordinal) { "models.aliases", "settings" };

    /// <summary>Keys of the top level that <c>extends</c> never copies from the parent: they are the child's identity.</summary>
    public static readonly IReadOnlySet<string> NotInherited = new HashSet<string>(StringComparer.Ordinal)
        { "version", "name", "description", "extends", "match", "allow_header_override" };

    /// <summary>Every accepted key as a dotted path (<c>caps.system.max</c>, <c>rules[].id</c>, <c>settings.*</c>).</summary>
    public static IReadOnlySet<string> AllPaths()
    {
        var all = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (section, keys) in Sections)
            foreach (var key in keys)
                all.Add(section.Length == 0 ? key : section + "." + key);
        foreach (var map in FreeMaps) all.Add(map + ".*");
        return all;
    }
}
