using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Gateway.Host.Tests.Policies;

/// <summary>
/// <c>policy check|explain|test</c> on the real binary, run as operators run it: <c>dotnet Gateway.Host.dll policy ...</c>,
/// the build output that sits next to this test assembly, in its own process.
/// </summary>
public sealed class PolicyCliTests
{
    public sealed record CliResult(int ExitCode, string Out, string Err)
    {
        public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Out}\n--- stderr\n{Err}";
    }

    public static async Task<CliResult> RunAsync(params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Gateway.Host.dll");
        Assert.True(File.Exists(dll), $"{dll} not found");
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
        var start = new ProcessStartInfo(dotnet) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(dll);
        foreach (var a in args) start.ArgumentList.Add(a);
        // What the operator's shell would not have set: nothing from this test process may change the policies.
        foreach (var v in (string[])["POLICY_DIR", "DEFAULT_MODEL", "OPUS_MODEL", "STRIP_IDE_BOILERPLATE", "ENFORCE_DIFF_FIRST",
                     "ENABLE_TOOL_RESULT_DEDUP", "ENABLE_PREFIX_CACHE", "ENABLE_OPUS_ROUTING"])
            start.Environment.Remove(v);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        // A cold `dotnet Gateway.Host.dll` (start-up, Roslyn compiling the rules) took 30 s on a loaded 2-core CI box: bound it generously.
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(180));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new Xunit.Sdk.XunitException($"policy {string.Join(' ', args)} did not finish within 180 s");
        }
        return new CliResult(process.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task Check_ShippedPolicies_Exits0AndPrintsOk()
    {
        using var dir = PolicyDirectory.Create();
        var result = await RunAsync("policy", "check", dir.Root);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(new Regex(@"^OK: version [0-9a-f]{12}, 3 profile\(s\) \(acme, default, research\), 1 script rule\(s\), \d+ test case\(s\)", RegexOptions.Multiline), result.Out);
        Assert.DoesNotContain(": error:", result.Out + result.Err);
    }

    [Fact]
    public async Task Check_BrokenYaml_Exits1_WithFileLineColErrors()
    {
        using var dir = PolicyDirectory.Create("broken-check");
        var result = await RunAsync("policy", "check", dir.Root);
        Assert.True(result.ExitCode == 1, result.ToString());
        var lines = result.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains(lines, l => Regex.IsMatch(l, @"^profiles/acme\.yaml:9:\d+: error: .*colour"));                 // unknown key
        Assert.Contains(lines, l => Regex.IsMatch(l, @"^profiles/acme\.yaml:11:\d+: error: "));                        // wrong type (max: lots)
        Assert.Contains(lines, l => Regex.IsMatch(l, @"^profiles/syntax\.yaml:\d+:\d+: error: "));                     // YAML syntax
        Assert.Contains(lines, l => l.Contains("error(s): policies in", StringComparison.Ordinal));
        Assert.DoesNotContain("OK: version", result.Out);
    }

    [Fact]
    public async Task Check_BrokenYamlAndBrokenScript_ReportsBothInOneRun()
    {
        // broken-check breaks acme.yaml and syntax.yaml, and the script research.yaml names reads a file.
        using var dir = PolicyDirectory.Create("broken-check");
        var result = await RunAsync("policy", "check", dir.Root);
        Assert.True(result.ExitCode == 1, result.ToString());
        var lines = result.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains(lines, l => Regex.IsMatch(l, @"^profiles/acme\.yaml:9:\d+: error: .*colour"));
        Assert.Contains(lines, l => Regex.IsMatch(l, @"^profiles/syntax\.yaml:\d+:\d+: error: "));
        Assert.Contains(lines, l => Regex.IsMatch(l, @"^rules/long-sessions-to-opus\.csx:3:\d+: error: .*System\.IO"));
        var count = Regex.Match(result.Err, @"^(\d+) error\(s\): policies in", RegexOptions.Multiline);
        Assert.True(count.Success, result.ToString());
        Assert.Equal(lines.Count(l => l.Contains(": error: ", StringComparison.Ordinal)), int.Parse(count.Groups[1].Value));
    }

    [Fact]
    public async Task Check_ProfileThatDoesNotParse_StillCompilesTheScriptItMayName()
    {
        // research.yaml, the only profile naming the script, does not parse: the script is found under rules/ and compiled anyway.
        using var dir = PolicyDirectory.Create();
        dir.Edit("profiles/research.yaml", "pipeline: [strip_boilerplate,", "pipeline: [[strip_boilerplate,");
        dir.Edit("profiles/research.yaml", "  opus_after_messages: 40", "  opus_after_messages: 40\n  broken: [unclosed");
        dir.Write("rules/long-sessions-to-opus.csx", "Tag(\"a\", \"b\");\nvar n = Environment.ProcessorCount;\nvar x = undefinedName;\n");
        var result = await RunAsync("policy", "check", dir.Root);
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Matches(new Regex(@"^profiles/research\.yaml:\d+:\d+: error: ", RegexOptions.Multiline), result.Err);
        Assert.Matches(new Regex(@"^rules/long-sessions-to-opus\.csx:2:9: error: .*Environment", RegexOptions.Multiline), result.Err);
        Assert.Matches(new Regex(@"^rules/long-sessions-to-opus\.csx:3:9: error: CS0103", RegexOptions.Multiline), result.Err);
        Assert.Matches(new Regex(@"^rules/long-sessions-to-opus\.csx:1:1: warning: no profile that loaded names this script; .*profiles/research\.yaml has errors", RegexOptions.Multiline), result.Out);
    }

    [Fact]
    public async Task Check_ScriptUsingTheFileSystem_Exits1_WithTheScriptsLine()
    {
        using var dir = PolicyDirectory.Create();
        dir.Write("rules/long-sessions-to-opus.csx", File.ReadAllText(PolicyDirectory.Fixture("broken-check/rules/long-sessions-to-opus.csx")));
        var result = await RunAsync("policy", "check", dir.Root);
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Matches(new Regex(@"^rules/long-sessions-to-opus\.csx:3:\d+: error: .*System\.IO", RegexOptions.Multiline), result.Err);
    }

    [Fact]
    public async Task Check_RuleLeftOutOfAnInheritedPipeline_Exits1()
    {
        using var dir = PolicyDirectory.Create("rule-outside-pipeline");
        var result = await RunAsync("policy", "check", dir.Root);
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Matches(new Regex(@"^profiles/guarded\.yaml:\d+:\d+: error: .*rule 'guard' is enabled but not in the profile's pipeline", RegexOptions.Multiline), result.Err);
    }

    [Fact]
    public async Task Explain_CapturedContinueRequest_ShowsProfileStepsTokensAndUpstreamRequest()
    {
        using var dir = PolicyDirectory.Create();
        var capture = PolicyDirectory.Fixture("captures/continue-session-first4.jsonl");
        var result = await RunAsync("policy", "explain", "--request", capture, "--line", "4", "--dir", dir.Root);
        Assert.True(result.ExitCode == 0, result.ToString());
        var output = result.Out;
        Assert.Matches(new Regex(@"^policy version [0-9a-f]{12}", RegexOptions.Multiline), output);
        Assert.Matches(new Regex(@"^profile: default \(selected by .+\)", RegexOptions.Multiline), output);
        Assert.Matches(new Regex(@"^model: claude-sonnet-5-5 \(X-Model-Source: alias\)", RegexOptions.Multiline), output);

        // Every step of the default pipeline, in order, with estimated tokens before and after.
        var steps = Regex.Matches(output, @"^  (?<id>[a-z_:.-]+)\s+(?<status>\S+)\s+tokens\s+(?<before>\d+) -> (?<after>\d+)", RegexOptions.Multiline)
            .Select(m => (Id: m.Groups["id"].Value, Before: int.Parse(m.Groups["before"].Value), After: int.Parse(m.Groups["after"].Value)))
            .ToList();
        // The shipped pipeline's order; a built-in whose feature is off gives no step (diff_first is off on default).
        string[] order = ["strip_boilerplate", "dedup_tool_results", "cap_content", "route_model", "diff_first"];
        var ids = steps.Select(s => s.Id).ToList();
        Assert.Equal(order.Where(ids.Contains).ToList(), ids);
        Assert.Equal(["strip_boilerplate", "cap_content", "route_model"], ids.Where(id => id is "strip_boilerplate" or "cap_content" or "route_model").ToList());
        Assert.DoesNotContain("diff_first", ids);
        var strip = steps[0];
        Assert.True(strip.Before > strip.After, $"strip_boilerplate should save tokens on a Continue request: {strip}");
        Assert.Matches(new Regex(@"^estimated input tokens: \d+ -> \d+ \(\d+\.\d% saved\)", RegexOptions.Multiline), output);

        // The final upstream request: an Anthropic Messages body, without the stripped commit-signature block.
        var at = output.IndexOf("final upstream request (POST /v1/messages):", StringComparison.Ordinal);
        Assert.True(at >= 0, output);
        var json = output[(output.IndexOf('{', at))..];
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        Assert.Equal("claude-sonnet-5-5", doc.RootElement.GetProperty("model").GetString());
        Assert.True(doc.RootElement.GetProperty("messages").GetArrayLength() >= 2);
        Assert.DoesNotContain("commitSignature", json);
        Assert.Contains("IMPORTANT: You are running in headless mode.", json);
    }

    [Fact]
    public async Task Explain_KeyEscapingItsProfile_SaysRefused()
    {
        using var dir = PolicyDirectory.Create();
        var capture = PolicyDirectory.Fixture("captures/continue-session-first4.jsonl");
        var result = await RunAsync("policy", "explain", "--request", capture, "--line", "1", "--dir", dir.Root,
            "--key", PolicyGateway.AcmeKey, "--header", "X-Gateway-Profile: research");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("profile: acme", result.Out);
        Assert.Matches(new Regex(@"^REFUSED \(403\): .*bound to profile 'acme'", RegexOptions.Multiline), result.Out);
    }

    [Fact]
    public async Task Test_ShippedPolicies_Exits0_AllPassed()
    {
        using var dir = PolicyDirectory.Create();
        var result = await RunAsync("policy", "test", dir.Root);
        Assert.True(result.ExitCode == 0, result.ToString());
        var summary = Regex.Match(result.Out, @"^(?<passed>\d+) passed, 0 failed\s*$", RegexOptions.Multiline);
        Assert.True(summary.Success, result.ToString());
        Assert.Equal(Regex.Matches(result.Out, "^PASS ", RegexOptions.Multiline).Count, int.Parse(summary.Groups["passed"].Value));
        Assert.True(int.Parse(summary.Groups["passed"].Value) >= 5, result.ToString());
        Assert.DoesNotContain("FAIL ", result.Out);
    }

    [Fact]
    public async Task Test_FailingCase_Exits1_AndNamesIt()
    {
        using var dir = PolicyDirectory.Create("failing-test");
        var result = await RunAsync("policy", "test", dir.Root);
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Matches(new Regex(@"^FAIL opus-marker-wrongly-expected-on-sonnet \(", RegexOptions.Multiline), result.Out);
        Assert.Contains("model: expected claude-sonnet-5-5, got claude-opus-5-5", result.Out);
        Assert.Matches(new Regex(@"^\d+ passed, 1 failed\s*$", RegexOptions.Multiline), result.Out);
    }

    [Fact]
    public async Task Test_CaseFailingWhileARuleTimesOut_IsRunAgain_ThenNamesTheTimeout()
    {
        // A rule that never ends (budget 50 ms) times out in every run: the case is retried, then its report says why it failed.
        using var dir = PolicyDirectory.Create("failing-rules");
        dir.Write("tests/spins.yaml", """
            version: 1
            cases:
              - name: spinning-rule-expected-to-change
                headers: { X-Gateway-Profile: rules-loop }
                request:
                  model: claude-sonnet-5-5
                  messages: [{ role: user, content: "hello" }]
                expect:
                  changed_by: ["rule:spins"]
            """);
        var result = await RunAsync("policy", "test", dir.Root);
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Matches(new Regex(@"^FAIL spinning-rule-expected-to-change \(", RegexOptions.Multiline), result.Out);
        Assert.Matches(new Regex(@"step 'rule:spins' timed out in each of \d+ runs: ", RegexOptions.Multiline), result.Out);
        Assert.Matches(new Regex(@"^\d+ passed, 1 failed\s*$", RegexOptions.Multiline), result.Out);
    }
}
