using Gateway.Policy.Configuration;

namespace Gateway.Policy.Tests.Configuration;

public sealed class SeedOverridesTests
{
    private static IReadOnlyList<ProfileConfig> Profiles() => PolicyYamlLoaderTests.Load(
        ("profiles/default.yaml", """
            version: 1
            diff_first: { enabled: false, instruction: diffs please }
            boilerplate: { enabled: true }
            routing: { enabled: true }
            """),
        ("profiles/child.yaml", "version: 1\nextends: default\n"),
        ("profiles/own.yaml", "version: 1\nextends: default\ndiff_first: { enabled: false }\nmodels: { default: claude-haiku-5-5 }\n"),
        ("profiles/grandchild.yaml", "version: 1\nextends: own\n"),
        ("profiles/root.yaml", "version: 1\n")).Profiles;

    public static TheoryData<string, string?, string, bool> FlagCases => new()
    {
        // variable, value, profile, diff_first.enabled / boilerplate.enabled / routing.enabled... as read by Read()
        { "ENFORCE_DIFF_FIRST", "1", "default", true },
        { "ENFORCE_DIFF_FIRST", "1", "child", true },         // inherits the override
        { "ENFORCE_DIFF_FIRST", "1", "own", false },          // sets its own value
        { "ENFORCE_DIFF_FIRST", "1", "grandchild", false },   // its parent set it
        { "ENFORCE_DIFF_FIRST", "1", "root", false },         // does not extend default
        { "ENFORCE_DIFF_FIRST", null, "default", false },     // unset: YAML decides
        { "ENFORCE_DIFF_FIRST", "maybe", "default", false },  // not a switch: ignored (the host rejects it at start-up)
        { "STRIP_IDE_BOILERPLATE", "0", "default", false },
        { "STRIP_IDE_BOILERPLATE", "off", "child", false },
        { "ENABLE_OPUS_ROUTING", "false", "default", false },
        { "ENABLE_TOOL_RESULT_DEDUP", "no", "child", false },
        { "ENABLE_PREFIX_CACHE", "0", "default", false },
    };

    [Theory]
    [MemberData(nameof(FlagCases))]
    public void Apply_Flag_ReachesDefaultAndInheritors(string variable, string? value, string profile, bool expected)
    {
        var result = SeedOverrides.Apply(Profiles(), new Dictionary<string, string?> { [variable] = value }).Single(p => p.Name == profile);
        var actual = variable switch
        {
            "ENFORCE_DIFF_FIRST" => result.DiffFirst.Enabled,
            "STRIP_IDE_BOILERPLATE" => result.Boilerplate.Enabled,
            "ENABLE_OPUS_ROUTING" => result.Routing.Enabled,
            "ENABLE_TOOL_RESULT_DEDUP" => result.Dedup.Enabled,
            "ENABLE_PREFIX_CACHE" => result.Cache.PrefixCache,
            _ => throw new ArgumentException(variable),
        };
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Apply_Models_FillOnlyWhereYamlIsSilent()
    {
        var env = new Dictionary<string, string?> { ["DEFAULT_MODEL"] = "claude-sonnet-5", ["OPUS_MODEL"] = "claude-opus-5" };
        var result = SeedOverrides.Apply(Profiles(), env).ToDictionary(p => p.Name);
        Assert.Equal("claude-sonnet-5", result["default"].Models.Default);
        Assert.Equal("claude-sonnet-5", result["child"].Models.Default);
        Assert.Equal("claude-haiku-5-5", result["own"].Models.Default);
        Assert.Equal("claude-opus-5", result["own"].Models.Opus);
        Assert.Null(result["root"].Models.Default);
    }

    [Fact]
    public void Apply_ShippedAcme_KeepsItsOwnDiffFirst()
    {
        var shipped = PolicyYamlLoader.LoadDirectory(PolicyYamlLoaderTests.Shipped).Profiles;
        var result = SeedOverrides.Apply(shipped, new Dictionary<string, string?> { ["ENFORCE_DIFF_FIRST"] = "0", ["ENABLE_OPUS_ROUTING"] = "0" })
            .ToDictionary(p => p.Name);
        Assert.True(result["acme"].DiffFirst.Enabled);
        Assert.False(result["research"].DiffFirst.Enabled);
        Assert.False(result["research"].Routing.Enabled);
        Assert.False(result["default"].Routing.Enabled);
    }
}
