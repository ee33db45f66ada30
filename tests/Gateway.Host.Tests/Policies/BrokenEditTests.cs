using System.Text.Json;
using System.Text.RegularExpressions;

namespace Gateway.Host.Tests.Policies;

/// <summary>
/// A broken edit never takes the gateway down: requests keep the last good version, the admin endpoint shows the error with
/// file:line:col, a forced reload answers 422 with the diagnostics, and fixing the file brings a new version.
/// </summary>
public sealed class BrokenEditTests
{
    public sealed record BrokenEdit(string File, string Find, string Broken, string Fixed, string ErrorPattern);

    public static TheoryData<string> Kinds => new() { "yaml-syntax", "unknown-key", "script-uses-file-system" };

    private static BrokenEdit Edit(string kind) => kind switch
    {
        // An unclosed flow sequence.
        "yaml-syntax" => new("profiles/default.yaml", """opus_markers: ["[opus]", "@opus"]""",
            """opus_markers: ["[opus]", "@opus" """, """opus_markers: ["[opus]", "@opus", "%deep%"]""",
            @"profiles/default\.yaml:\d+:\d+: error: "),
        // A typo'd key under routing: strict schema, never silently ignored. Its line is checked exactly below.
        "unknown-key" => new("profiles/acme.yaml", "  opus_allowed: false\n",
            "  opus_allowed: false\n  colour: blue\n", "  opus_allowed: false\n  long_context_tokens: 50000\n",
            @"profiles/acme\.yaml:(?<line>\d+):\d+: error: .*colour"),
        // A rule that reads a file: rejected at compile time, with the script's own line.
        "script-uses-file-system" => new("rules/long-sessions-to-opus.csx", "if (Profile.OpusAllowed",
            "var leaked = System.IO.File.ReadAllText(\"/etc/hostname\");\nif (Profile.OpusAllowed",
            "var threshold = Profile.Int(\"opus_after_messages\", 60);\nif (Profile.OpusAllowed",
            @"rules/long-sessions-to-opus\.csx:(?<line>\d+):\d+: error: .*System\.IO"),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task BrokenEdit_KeepsLastGood_ShowsError_422OnReload_ThenFixBringsNewVersion(string kind)
    {
        var edit = Edit(kind);
        await using var p = await PolicyGateway.StartAsync(PolicyDirectory.Create());
        var v1 = await p.VersionOfCompletionAsync($"{kind}-v1");
        var original = p.Dir.Read(edit.File);

        // 1. The broken save: the watcher tries, fails, keeps v1 and says why.
        p.Dir.Edit(edit.File, edit.Find, edit.Broken);
        var admin = await p.WaitForAdminAsync(a => a.GetProperty("last_reload_error").ValueKind == JsonValueKind.Object,
            $"last_reload_error after a {kind} edit");
        Assert.Equal(v1, admin.GetProperty("version").GetString());
        var failure = admin.GetProperty("last_reload_error");
        Assert.False(failure.GetProperty("succeeded").GetBoolean());
        var errors = failure.GetProperty("errors").EnumerateArray().Select(e => e.GetString()!).ToList();
        var match = errors.Select(e => Regex.Match(e, edit.ErrorPattern)).FirstOrDefault(m => m.Success);
        Assert.True(match is not null, $"no error matching {edit.ErrorPattern} in:\n{string.Join("\n", errors)}");
        if (match.Groups["line"].Success)
        {
            var broken = p.Dir.Read(edit.File).Split('\n');
            var expectedLine = Array.FindIndex(broken, l => l.Contains(kind == "unknown-key" ? "colour" : "System.IO", StringComparison.Ordinal)) + 1;
            Assert.Equal(expectedLine.ToString(), match.Groups["line"].Value);
        }

        // 2. Requests keep succeeding on the last good version.
        for (var i = 0; i < 3; i++) Assert.Equal(v1, await p.VersionOfCompletionAsync($"{kind}-still-v1-{i}"));

        // 3. A forced reload is refused with 422 and every diagnostic; v1 stays active.
        var (status, body) = await p.AdminReloadAsync();
        Assert.True(status == 422, body.ToString());
        Assert.Equal("policy_invalid", body.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(v1, body.GetProperty("active_version").GetString());
        Assert.Contains(body.GetProperty("diagnostics").EnumerateArray(), d => Regex.IsMatch(d.GetString()!, edit.ErrorPattern));

        // 4. The fix (a different valid content) becomes the new version; the error is cleared.
        p.Dir.Write(edit.File, original.Replace(edit.Find, edit.Fixed, StringComparison.Ordinal));
        var v2 = await p.WaitForNewVersionAsync(v1, $"fix of the {kind} edit");
        Assert.Matches(PolicyGateway.VersionPattern(), v2);
        admin = await p.WaitForAdminAsync(a => a.GetProperty("last_reload_error").ValueKind == JsonValueKind.Null, "last_reload_error cleared");
        Assert.Equal(v2, admin.GetProperty("version").GetString());
    }

    [Fact]
    public async Task BrokenYamlAndBrokenScript_ReloadReportsBoth_KeepsLastGood()
    {
        await using var p = await PolicyGateway.StartAsync(PolicyDirectory.Create());
        var v1 = await p.VersionOfCompletionAsync("both-v1");
        var yaml = Edit("unknown-key");
        var script = Edit("script-uses-file-system");
        p.Dir.Edit(yaml.File, yaml.Find, yaml.Broken);
        p.Dir.Edit(script.File, script.Find, script.Broken);

        var (status, body) = await p.AdminReloadAsync();

        Assert.True(status == 422, body.ToString());
        Assert.Equal(v1, body.GetProperty("active_version").GetString());
        var diagnostics = body.GetProperty("diagnostics").EnumerateArray().Select(d => d.GetString()!).ToList();
        Assert.Contains(diagnostics, d => Regex.IsMatch(d, yaml.ErrorPattern));
        Assert.Contains(diagnostics, d => Regex.IsMatch(d, script.ErrorPattern));
        Assert.Equal(v1, await p.VersionOfCompletionAsync("both-still-v1"));
    }
}
