using Gateway.Policy.Abstractions;
using Gateway.Policy.Configuration;
using Gateway.Policy.Pipeline;
using Gateway.Policy.Scripting;

namespace Gateway.Policy.Snapshots;

/// <summary>
/// Compiles the script rules of a policy directory for <see cref="PolicySnapshotBuilder"/>, also when its YAML has errors, so one
/// build (and so <c>policy check</c> and the reload's error list) reports YAML and script errors together.
/// <para>
/// A script's compilation depends only on its text: the rule's id, stage and budget do not change what compiles. What broken YAML
/// can hide is which files are scripts: a profile file that did not parse, or a <c>rules:</c> entry that did not bind, names rules
/// that are missing here. So when a profile file has errors, every other <c>.csx</c> under <c>rules/</c> is compiled too, and its
/// errors say why that script was checked.
/// </para>
/// </summary>
internal sealed class PolicyScriptSet
{
    /// <summary>Steps by rule id (the pipeline names scripts <c>rule:ID</c>; the step factory looks them up by ID).</summary>
    public Dictionary<string, IPolicyStep> Steps { get; } = new(StringComparer.Ordinal);

    /// <summary>Assembly handles of the compiled scripts: the snapshot owns them, so their assemblies live as long as it does.</summary>
    public List<object> Handles { get; } = [];

    public static PolicyScriptSet Compile(ScriptRuleCompiler compiler, string root, IReadOnlyList<ProfileConfig> profiles, List<PolicyDiagnostic> diagnostics)
    {
        var set = new PolicyScriptSet();
        var brokenProfiles = diagnostics.Where(d => d.IsError && d.Location.File.StartsWith("profiles/", StringComparison.Ordinal))
            .Select(d => d.Location.File).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

        // 1. Every enabled rule the profiles name. With YAML errors a rule's path may be invalid (the loader said so, and
        //    that a missing file is missing): only existing .csx files under rules/ are read.
        foreach (var rule in profiles.SelectMany(p => p.Rules).Where(r => r.Enabled))
        {
            if (set.Steps.ContainsKey(rule.Id)) continue;
            if (brokenProfiles.Count > 0 && !IsScriptFile(root, rule.Path)) continue;
            set.CompileOne(compiler, root, rule, diagnostics, note: null);
        }

        // 2. Scripts the broken profiles may name.
        if (brokenProfiles.Count == 0) return set;
        var named = profiles.SelectMany(p => p.Rules).Select(r => r.Path).ToHashSet(StringComparer.Ordinal);
        var note = $"no profile that loaded names this script; it was compiled because {string.Join(", ", brokenProfiles)} " +
            $"{(brokenProfiles.Count == 1 ? "has" : "have")} errors and may name it";
        foreach (var path in ScriptFiles(root).Where(p => !named.Contains(p)))
        {
            var id = Path.GetFileNameWithoutExtension(path);
            set.CompileOne(compiler, root, new RuleRef { Id = id, Path = path, Stage = PolicyStage.Request, Location = new SourceLocation(path, 1, 1) }, diagnostics, note);
        }
        return set;
    }

    private void CompileOne(ScriptRuleCompiler compiler, string root, RuleRef rule, List<PolicyDiagnostic> diagnostics, string? note)
    {
        string code;
        try
        {
            code = File.ReadAllText(Path.Combine(root, rule.Path));
        }
        catch (IOException ex)
        {
            diagnostics.Add(new PolicyDiagnostic(rule.Location, $"rule '{rule.Id}': cannot read {rule.Path}: {ex.Message}"));
            return;
        }
        var compiled = compiler.Compile(rule, code);
        diagnostics.AddRange(compiled.Diagnostics);
        if (note is not null && compiled.Errors.Any()) diagnostics.Add(new PolicyDiagnostic(new SourceLocation(rule.Path, 1, 1), note, IsError: false));
        if (compiled.Rule is not { } step) return;
        // Only named rules become steps; a script found by the scan is checked, never run (the snapshot fails anyway).
        if (note is not null) return;
        Steps[rule.Id] = step;
        if (compiled.Handle is not null) Handles.Add(compiled.Handle);
    }

    /// <summary>Every <c>.csx</c> under <c>rules/</c>, as <c>rules/...</c> with forward slashes, in order.</summary>
    private static IEnumerable<string> ScriptFiles(string root)
    {
        var rules = Path.Combine(root, "rules");
        if (!Directory.Exists(rules)) return [];
        return Directory.EnumerateFiles(rules, "*.csx", SearchOption.AllDirectories)
            .Select(f => "rules/" + Path.GetRelativePath(rules, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal);
    }

    /// <summary>An existing <c>.csx</c> file inside <c>rules/</c> (a path that failed validation may point anywhere).</summary>
    private static bool IsScriptFile(string root, string relative)
    {
        var rules = Path.GetFullPath(Path.Combine(root, "rules")) + Path.DirectorySeparatorChar;
        var full = Path.GetFullPath(Path.Combine(root, relative));
        return full.StartsWith(rules, StringComparison.Ordinal) && full.EndsWith(".csx", StringComparison.Ordinal) && File.Exists(full);
    }
}
