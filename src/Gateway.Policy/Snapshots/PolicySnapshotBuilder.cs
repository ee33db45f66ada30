using System.Security.Cryptography;
using System.Text;
using Gateway.Core.Models;
using Gateway.Policy.Abstractions;
using Gateway.Policy.Configuration;
using Gateway.Policy.Pipeline;
using Gateway.Policy.Scripting;
using Gateway.Policy.BuiltIn;

namespace Gateway.Policy.Snapshots;

/// <summary>The outcome of building a snapshot: the snapshot, or every error that prevented it.</summary>
public sealed record SnapshotBuildResult(PolicySnapshot? Snapshot, IReadOnlyList<PolicyDiagnostic> Diagnostics)
{
    public bool Succeeded => Snapshot is not null;
    public IEnumerable<PolicyDiagnostic> Errors => Diagnostics.Where(d => d.IsError);
}

/// <summary>
/// Builds a complete, validated snapshot from a policy directory, in this order:
/// 1. parse and validate every YAML file (strict: all errors collected with file:line:col), and the model catalogue;
/// 2. compile every referenced script (cached by content hash: unchanged scripts are not recompiled), also when step 1 found
///    errors, so one build reports both (see <see cref="PolicyScriptSet"/>); any error so far ends the build here;
/// 3. apply the seed's environment overrides to the default profile;
/// 4. assemble each profile's ordered pipeline of built-in steps and script rules;
/// 5. version the result by a hash of every file and override.
/// Nothing is swapped here: the store decides (a failed build leaves the last good snapshot serving). Thread-safe (the compiler is).
/// </summary>
public sealed class PolicySnapshotBuilder(ScriptRuleCompiler compiler, BuiltInStepOptions? stepOptions = null)
{
    /// <summary>How many times a build is retried when the directory changed while it was being read.</summary>
    private const int MaxAttempts = 3;

    public SnapshotBuildResult Build(string policyDirectory, IReadOnlyDictionary<string, string?> environment, DateTimeOffset now)
    {
        // The files are read in step 1 and hashed again for the version in step 5. An editor saving in between would give a
        // snapshot built from the old content under the new content's version, and the reload that follows the save would
        // then see "same version" and skip the new content. So a build counts only if the directory's fingerprint is the
        // same before and after it; otherwise it runs again (the watcher fires again anyway while files keep changing).
        var attempt = 0;
        while (true)
        {
            var before = Directory.Exists(policyDirectory) ? Reload.PolicyDirectoryFingerprint.Compute(policyDirectory) : "";
            var result = BuildOnce(policyDirectory, environment, now);
            var after = Directory.Exists(policyDirectory) ? Reload.PolicyDirectoryFingerprint.Compute(policyDirectory) : "";
            if (before == after) return result;
            if (++attempt >= MaxAttempts)
                return new(null, [.. result.Diagnostics.Where(d => d.IsError),
                    new PolicyDiagnostic(new SourceLocation(policyDirectory, 0, 0),
                        $"the policy files kept changing while they were read ({MaxAttempts} attempts); keeping the last good version until they settle")]);
        }
    }

    private SnapshotBuildResult BuildOnce(string policyDirectory, IReadOnlyDictionary<string, string?> environment, DateTimeOffset now)
    {
        var diagnostics = new List<PolicyDiagnostic>();
        var root = Path.GetFullPath(policyDirectory);
        if (!Directory.Exists(root))
            return new(null, [new PolicyDiagnostic(new SourceLocation(policyDirectory, 0, 0), "policy directory not found")]);

        // 1. Parse and validate, the model catalogue (models.yaml) with the rest: a broken edit keeps the last good snapshot.
        var loaded = PolicyYamlLoader.LoadDirectory(root);
        diagnostics.AddRange(loaded.Diagnostics);
        var catalogue = LoadCatalogue(root, diagnostics);

        // 2. Compile scripts, whatever step 1 found.
        var scripts = PolicyScriptSet.Compile(compiler, root, loaded.Profiles, diagnostics);
        if (diagnostics.Any(d => d.IsError)) return new(null, diagnostics);

        // 3. Seed overrides.
        var profiles = SeedOverrides.Apply(loaded.Profiles, environment);

        // 4. Pipelines. An explicit pipeline (often inherited whole from `extends: default`) that leaves out an enabled rule of
        // the profile would silently never run it (a fail-closed profile would then let every request through): an error.
        foreach (var profile in profiles.Where(p => p.Pipeline.Count > 0))
            foreach (var rule in profile.Rules.Where(r => r.Enabled && !profile.Pipeline.Contains(BuiltInStepFactory.RulePrefix + r.Id, StringComparer.Ordinal)))
                diagnostics.Add(new PolicyDiagnostic(rule.Location,
                    $"profile '{profile.Name}': rule '{rule.Id}' is enabled but not in the profile's pipeline (which may be inherited through 'extends'), " +
                    $"so it would never run; add '{BuiltInStepFactory.RulePrefix}{rule.Id}' to 'pipeline:' or set 'enabled: false'"));
        if (diagnostics.Any(d => d.IsError)) return new(null, diagnostics);

        var compiledProfiles = new List<CompiledProfile>();
        foreach (var profile in profiles)
        {
            var steps = BuiltInStepFactory.Create(profile, id => scripts.Steps.GetValueOrDefault(id), stepOptions);
            compiledProfiles.Add(new CompiledProfile(profile,
                steps.Where(s => s.Stage == PolicyStage.Request).ToList(),
                steps.Where(s => s.Stage == PolicyStage.Response).ToList()));
        }

        // 5. Version.
        var files = loaded.Files
            .Concat(catalogue is null ? [] : ["models.yaml"])
            .Select(f => new PolicyFile(f, HashFile(Path.Combine(root, f))))
            .OrderBy(f => f.Path, StringComparer.Ordinal)
            .ToList();
        var version = Version(files, environment);
        return new(new PolicySnapshot(version, now, files, compiledProfiles, diagnostics.Where(d => !d.IsError).ToList(), scripts.Handles, catalogue), diagnostics);
    }

    /// <summary>The catalogue of <c>models.yaml</c>, or null when there is none or it has errors (added to <paramref name="diagnostics"/>).</summary>
    private static ModelCatalogue? LoadCatalogue(string root, List<PolicyDiagnostic> diagnostics)
    {
        var catalogueFile = Path.Combine(root, "models.yaml");
        if (!File.Exists(catalogueFile)) return null;
        try
        {
            return ModelCatalogue.Load(catalogueFile);
        }
        catch (ModelCatalogueException ex)
        {
            foreach (var error in ex.Errors) diagnostics.Add(CatalogueDiagnostic(error));
            if (ex.Errors.Count == 0) diagnostics.Add(new PolicyDiagnostic(new SourceLocation("models.yaml", 0, 0), ex.Message));
            return null;
        }
    }

    /// <summary>The environment variables that change the default profile; part of the version so an override change is visible.</summary>
    public static readonly IReadOnlyList<string> OverrideVariables = SeedOverrides.Variables;

    private static string Version(IReadOnlyList<PolicyFile> files, IReadOnlyDictionary<string, string?> environment)
    {
        var text = new StringBuilder();
        foreach (var f in files) text.Append(f.Path).Append('\0').Append(f.Sha256).Append('\n');
        foreach (var name in OverrideVariables)
            if (environment.TryGetValue(name, out var value) && value is not null) text.Append(name).Append('=').Append(value).Append('\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..12];
    }

    /// <summary>The catalogue reports <c>path:line: message</c>; policy diagnostics print <c>models.yaml:line:col: error message</c>.</summary>
    private static PolicyDiagnostic CatalogueDiagnostic(string error)
    {
        var m = System.Text.RegularExpressions.Regex.Match(error, @"^.*?:(\d+): (.*)$", System.Text.RegularExpressions.RegexOptions.Singleline);
        return m.Success
            ? new PolicyDiagnostic(new SourceLocation("models.yaml", int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), 1), m.Groups[2].Value)
            : new PolicyDiagnostic(new SourceLocation("models.yaml", 0, 0), error);
    }

    private static string HashFile(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
