namespace Gateway.Reduction;

/// <summary>One measured configuration: the gateway's reduction switches (environment-variable names, issue #5).</summary>
public sealed record ReductionConfig(string Name, bool Strip, bool PrefixCache, bool Dedup, bool DiffFirst)
{
    public static IReadOnlyList<ReductionConfig> All { get; } =
    [
        new("baseline (all off)", false, false, false, false),
        new("STRIP_IDE_BOILERPLATE", true, false, false, false),
        new("ENABLE_PREFIX_CACHE", false, true, false, false),
        new("ENABLE_TOOL_RESULT_DEDUP", false, false, true, false),
        new("ENFORCE_DIFF_FIRST", false, false, false, true),
        new("all on", true, true, true, true),
    ];

    public bool IsBaseline => !Strip && !PrefixCache && !Dedup && !DiffFirst;

    public IEnumerable<KeyValuePair<string, string?>> Settings()
    {
        yield return new("STRIP_IDE_BOILERPLATE", Strip ? "1" : "0");
        yield return new("ENABLE_PREFIX_CACHE", PrefixCache ? "1" : "0");
        yield return new("ENABLE_TOOL_RESULT_DEDUP", Dedup ? "1" : "0");
        yield return new("ENFORCE_DIFF_FIRST", DiffFirst ? "1" : "0");
    }
}
