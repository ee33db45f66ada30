using Gateway.Policy.Abstractions;
using Gateway.Policy.Configuration;

namespace Gateway.Policy.Tests.Configuration;

public sealed class PolicyYamlLoaderTests
{
    internal static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "fixtures", "policies", name);
    internal static string Shipped => Path.Combine(AppContext.BaseDirectory, "shipped-policies");

    internal static PolicyLoadResult Load(params (string Path, string Text)[] files) => PolicyYamlLoader.LoadFiles(files, _ => true);

    // One row per kind of mistake: the fixture and a diagnostic that must be reported (exact file:line:col and message start).
    public static TheoryData<string, string> BrokenCases => new()
    {
        { "broken-unknown-key", "profiles/default.yaml:3:3: error: routing.opus_alowed: unknown key (did you mean 'opus_allowed'?)" },
        { "broken-unknown-key", "profiles/default.yaml:5:23: error: caps.system.units: unknown key (did you mean 'unit'?)" },
        { "broken-unknown-key", "profiles/default.yaml:6:1: error: colour: unknown key" },
        { "broken-types", "profiles/default.yaml:3:12: error: caps.enabled: expected true or false, got 'yes'" },
        { "broken-types", "profiles/default.yaml:4:18: error: caps.system.max: must be at least 1, got -5" },
        { "broken-types", "profiles/default.yaml:5:26: error: caps.user.unit: expected one of tokens, chars, got 'words'" },
        { "broken-types", "profiles/default.yaml:7:24: error: routing.long_context_tokens: expected an integer, got 'lots'" },
        { "broken-types", "profiles/default.yaml:8:17: error: routing.opus_markers: expected a list" },
        { "broken-types", "profiles/default.yaml:9:9: error: models: expected a mapping" },
        { "broken-regex", "profiles/default.yaml:5:7: error: routing.hard_task_patterns: invalid regex '(unclosed'" },
        { "broken-regex", "profiles/default.yaml:9:14: error: boilerplate.patterns[0].regex: invalid regex '[a-'" },
        { "broken-regex", "profiles/default.yaml:10:28: error: boilerplate.patterns[0].applies_to: 'tool_result' is not one of system, user, assistant" },
        { "broken-values", "profiles/default.yaml:2:31: error: pipeline[1]: unknown step 'make_coffee'" },
        { "broken-values", "profiles/default.yaml:2:44: error: pipeline[2]: 'rule:nope' names no rule of this profile" },
        { "broken-values", "profiles/default.yaml:4:8: error: cache.ttl: expected one of 5m, 1h, got '2h'" },
        { "broken-values", "profiles/acme.yaml:5:7: error: match.key_sha256: 'not-a-hash' is not a SHA-256 digest" },
        { "broken-values", "profiles/acme.yaml:7:9: error: rule 'missing-rule': file 'rules/missing-rule.csx' not found" },
        { "broken-values", "profiles/acme.yaml:8:12: error: rules[0].stage: expected one of request, response, got 'sometimes'" },
        { "broken-values", "profiles/acme.yaml:9:9: error: rules[1].id: duplicate rule id 'missing-rule'" },
        { "broken-values", "profiles/acme.yaml:10:11: error: rule 'missing-rule': file 'rules/other.csx' not found" },
        { "broken-extends-cycle", "profiles/b.yaml:2:10: error: extends: cycle a -> b -> a" },
        { "broken-extends-unknown", "profiles/team.yaml:3:10: error: extends: unknown profile 'defualt'" },
        { "broken-no-default", "profiles/default.yaml: error: no 'default' profile" },
        { "broken-duplicate-match", "profiles/two.yaml:4:7: error: match.key_sha256: key 0c28d6922e5b... is already bound to profile 'one'" },
        { "broken-duplicate-match", "profiles/two.yaml:5:11: error: match.header: 'x-gateway-profile: Team' already selects profile 'one'" },
        { "broken-duplicate-match", "profiles/two.yaml:6:17: error: match.model_prefix: 'team/' already selects profile 'one'" },
        { "broken-header", "profiles/default.yaml:2:1: error: version: required" },
        { "broken-header", "profiles/default.yaml:2:7: error: name: 'standard' differs from the file name 'default'" },
        { "broken-header", "profiles/next.yaml:1:10: error: version: 2 is not supported" },
        { "broken-syntax", "profiles/default.yaml:3:16: error: YAML syntax:" },
    };

    [Theory]
    [MemberData(nameof(BrokenCases))]
    public void Load_BrokenFixture_ReportsErrorWithPosition(string fixture, string expected)
    {
        var result = PolicyYamlLoader.LoadDirectory(Fixture(fixture));
        Assert.True(result.HasErrors);
        var lines = result.Diagnostics.Select(d => d.ToString()).ToList();
        Assert.True(lines.Any(l => l.StartsWith(expected, StringComparison.Ordinal)),
            $"expected a diagnostic starting with\n  {expected}\ngot\n  {string.Join("\n  ", lines)}");
    }

    [Theory]
    [InlineData("broken-unknown-key", 3)]
    [InlineData("broken-types", 6)]
    [InlineData("broken-regex", 3)]
    [InlineData("broken-values", 8)]
    [InlineData("broken-duplicate-match", 3)]
    [InlineData("broken-header", 3)]
    [InlineData("broken-syntax", 1)]
    public void Load_BrokenFixture_CollectsEveryErrorOnce(string fixture, int count)
    {
        var result = PolicyYamlLoader.LoadDirectory(Fixture(fixture));
        Assert.Equal(count, result.Diagnostics.Count);
        Assert.Equal(result.Diagnostics.Count, result.Diagnostics.Distinct().Count());
    }

    [Fact]
    public void Load_ShippedPolicies_HasNoDiagnostics()
    {
        var result = PolicyYamlLoader.LoadDirectory(Shipped);
        Assert.Empty(result.Diagnostics);
        Assert.Equal(["acme", "default", "research"], result.Profiles.Select(p => p.Name).Order());
        Assert.Equal(["profiles/acme.yaml", "profiles/default.yaml", "profiles/research.yaml", "rules/long-sessions-to-opus.csx"], result.Files);
    }

    [Fact]
    public void Load_ShippedPolicies_ResolvesAsDocumented()
    {
        var profiles = PolicyYamlLoader.LoadDirectory(Shipped).Profiles.ToDictionary(p => p.Name);
        var def = profiles["default"];
        Assert.False(def.DiffFirst.Enabled);
        Assert.Contains(def.Boilerplate.Patterns, p => p.Id == "continue-commit-signature");
        Assert.Equal(BuiltInSteps.DefaultOrder, def.Pipeline);

        var acme = profiles["acme"];
        Assert.Equal(["default"], acme.Ancestors);
        Assert.False(acme.Routing.OpusAllowed);
        Assert.True(acme.Routing.Enabled);                               // inherited
        Assert.Equal(def.Routing.HardTaskPatterns, acme.Routing.HardTaskPatterns);
        Assert.Equal(new ContentCap(6000), acme.Caps.System);            // own
        Assert.Equal(def.Caps.Marker, acme.Caps.Marker);                 // inherited key of a merged map
        Assert.True(acme.DiffFirst.Enabled);
        Assert.Equal(def.DiffFirst.Instruction, acme.DiffFirst.Instruction);
        Assert.Equal("claude-sonnet-5-5", acme.Models.Default);
        Assert.Equal(500m, acme.Limits.MonthlyBudgetUsd);
        Assert.Equal("X-Gateway-Profile", acme.Match.HeaderName);

        var research = profiles["research"];
        Assert.Equal("research/", research.Match.ModelPrefix);
        var rule = Assert.Single(research.Rules);
        Assert.Equal(("long-sessions-to-opus", "rules/long-sessions-to-opus.csx", PolicyStage.Request, 50), (rule.Id, rule.Path, rule.Stage, rule.BudgetMs));
        Assert.Equal(new SourceLocation("profiles/research.yaml", 25, 11), rule.Location);
        Assert.Contains("rule:long-sessions-to-opus", research.Pipeline);
        Assert.Equal("40", research.Settings["opus_after_messages"]);
        Assert.Empty(research.Match.KeySha256);                          // match is never inherited
    }

    [Fact]
    public void Extends_MergesMapsDeep_ReplacesLists_KeepsIdentityOwn()
    {
        var result = Load(
            ("profiles/default.yaml", """
                version: 1
                description: parent
                caps:
                  system: { max: 100 }
                  user: { max: 200, unit: chars }
                routing:
                  opus_markers: [a, b]
                  long_context_tokens: 5
                settings: { x: 1, y: two }
                """),
            ("profiles/mid.yaml", """
                version: 1
                extends: default
                match: { model_prefix: mid/ }
                caps:
                  user: { max: 300 }
                routing:
                  opus_markers: [c]
                settings: { y: three }
                """),
            ("profiles/leaf.yaml", """
                version: 1
                extends: mid
                caps:
                  system: null
                """));
        Assert.Empty(result.Diagnostics);
        var leaf = result.Profiles.Single(p => p.Name == "leaf");
        Assert.Equal(["mid", "default"], leaf.Ancestors);
        Assert.Null(leaf.Caps.System);                                   // null removes the inherited cap
        Assert.Equal(new ContentCap(300, CapUnit.Chars), leaf.Caps.User); // merged key by key: unit from default, max from mid
        Assert.Equal(["c"], leaf.Routing.OpusMarkers);                    // lists replaced
        Assert.Equal(5, leaf.Routing.LongContextTokens);
        Assert.Equal(new Dictionary<string, string> { ["x"] = "1", ["y"] = "three" }, leaf.Settings);
        Assert.Null(leaf.Match.ModelPrefix);                              // match not inherited
        Assert.Null(leaf.Description);
        Assert.Contains("caps.user", leaf.LocalKeys);                     // set by mid
        Assert.DoesNotContain("routing.long_context_tokens", leaf.LocalKeys); // only default sets it
    }

    [Fact]
    public void ParseProfile_ReportsPositionsInGivenFile()
    {
        var result = PolicyYamlLoader.ParseProfile("version: 1\nrouting:\n  sticky: maybe\n", "profiles/x.yaml");
        var d = Assert.Single(result.Diagnostics);
        Assert.Equal("profiles/x.yaml:3:11: error: routing.sticky: expected true or false, got 'maybe'", d.ToString());
        Assert.Equal("x", result.Profile!.Name);
    }

    [Fact]
    public void Load_InheritedMistake_IsReportedOnceAtTheParent()
    {
        var result = Load(
            ("profiles/default.yaml", "version: 1\ndedup: { min_chars: -1 }\n"),
            ("profiles/a.yaml", "version: 1\nextends: default\n"),
            ("profiles/b.yaml", "version: 1\nextends: default\n"));
        var d = Assert.Single(result.Diagnostics);
        Assert.Equal("profiles/default.yaml:2:21: error: dedup.min_chars: must be at least 0, got -1", d.ToString());
    }

    [Fact]
    public void Load_RuleMemoryBudget_ReadAndDefaulted()
    {
        var result = Load(("profiles/default.yaml", """
            version: 1
            rules:
              - { id: small, memory_mb: 16 }
              - { id: plain }
            """));
        Assert.Empty(result.Diagnostics);
        var rules = result.Profiles.Single().Rules;
        Assert.Equal([16, 64], rules.Select(r => r.MemoryMb));
    }

    [Theory]
    [InlineData("lots", "profiles/default.yaml:3:29: error: rules[0].memory_mb: expected an integer, got 'lots'")]
    [InlineData("\"16\"", "profiles/default.yaml:3:29: error: rules[0].memory_mb: expected an integer, got")]
    [InlineData("0", "profiles/default.yaml:3:29: error: rules[0].memory_mb: must be between 1 and 1024, got 0")]
    [InlineData("4096", "profiles/default.yaml:3:29: error: rules[0].memory_mb: must be between 1 and 1024, got 4096")]
    public void Load_RuleMemoryBudgetOfTheWrongTypeOrRange_Reported(string value, string expected)
    {
        var result = Load(("profiles/default.yaml", $"version: 1\nrules:\n  - {{ id: small, memory_mb: {value} }}\n"));
        var lines = result.Diagnostics.Select(d => d.ToString()).ToList();
        Assert.True(lines.Any(l => l.StartsWith(expected, StringComparison.Ordinal)),
            $"expected a diagnostic starting with\n  {expected}\ngot\n  {string.Join("\n  ", lines)}");
    }
}
