using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Gateway.Policy.Snapshots;

namespace Gateway.PolicyReload;

/// <summary>
/// A temporary copy of the shipped <c>policies/</c> that the tool edits while the gateway watches it. Valid edits change
/// the research profile's script rule (a constant, so it recompiles) and a YAML value; broken edits are invalid YAML, an
/// unknown key, or a script using System.IO. <see cref="ExpectedVersion"/> recomputes <c>X-Policy-Version</c> from the files
/// the way <see cref="PolicySnapshotBuilder"/> does (checked against the gateway's own version at start).
/// </summary>
public sealed partial class PolicyWorkspace : IDisposable
{
    public const string RulePath = "rules/long-sessions-to-opus.csx";
    public const string ProfilePath = "profiles/research.yaml";
    private const string ScriptThreshold = "Profile.Int(\"opus_after_messages\", 60)";
    private const string YamlSetting = "  opus_after_messages: 40";
    private const string YamlRouting = "routing:\n  opus_allowed: true\n";

    private readonly string _script;
    private readonly string _profile;
    private string _validScript;
    private string _validProfile;

    private PolicyWorkspace(string directory)
    {
        Directory = directory;
        _script = File.ReadAllText(Path.Combine(directory, RulePath)).ReplaceLineEndings("\n");
        _profile = File.ReadAllText(Path.Combine(directory, ProfilePath)).ReplaceLineEndings("\n");
        foreach (var (text, part, file) in new[] { (_script, ScriptThreshold, RulePath), (_profile, YamlSetting, ProfilePath), (_profile, YamlRouting, ProfilePath) })
            if (!text.Contains(part, StringComparison.Ordinal))
                throw new InvalidOperationException($"{file} no longer contains '{part.ReplaceLineEndings(" ")}': adapt PolicyWorkspace's edits to the shipped policies.");
        _validScript = _script;
        _validProfile = _profile;
    }

    public string Directory { get; }

    /// <summary>Copies <c>{repo}/policies</c> (all of it: models.yaml is read from POLICY_DIR too) into a fresh temp folder.</summary>
    public static PolicyWorkspace Create(string repoRoot, string name)
    {
        var target = Path.Combine(Path.GetTempPath(), $"gw-policy-reload-{name}-{Environment.ProcessId}");
        if (System.IO.Directory.Exists(target)) System.IO.Directory.Delete(target, recursive: true);
        Copy(Path.Combine(repoRoot, "policies"), target);
        return new PolicyWorkspace(target);
    }

    /// <summary>A valid edit: rule script revision <paramref name="revision"/> and, when <paramref name="yamlValue"/> is given, that YAML value.</summary>
    public void WriteValid(int revision, int? yamlValue)
    {
        _validScript = Script(revision);
        if (yamlValue is { } v) _validProfile = _profile.Replace(YamlSetting, $"  opus_after_messages: {v}", StringComparison.Ordinal);
        // Script first, profile second, as an operator saving two files would; the gateway may see the first alone (still valid).
        Write(RulePath, _validScript);
        if (yamlValue is not null) Write(ProfilePath, _validProfile);
    }

    /// <summary>Kinds of broken edit, in rotation.</summary>
    public static readonly string[] BrokenKinds = ["invalid YAML", "unknown key", "script uses System.IO"];

    /// <summary>A broken edit on top of the last valid state; the next <see cref="WriteValid"/> repairs it.</summary>
    public void WriteBroken(int kind)
    {
        switch (kind % BrokenKinds.Length)
        {
            case 0: Write(ProfilePath, _validProfile + "\nlimits: { requests_per_minute: 10\n"); break;      // unclosed flow mapping
            case 1: Write(ProfilePath, _validProfile.Replace(YamlRouting, YamlRouting + "  opus_alowed: true\n", StringComparison.Ordinal)); break;
            default: Write(RulePath, _validScript + "\nvar probe = System.IO.File.Exists(\"/etc/hostname\");\n"); break;
        }
    }

    /// <summary>The rule with a different constant: a different content hash, so a new assembly.</summary>
    public string Script(int revision) =>
        $"// bench revision {revision}\n" + _script.Replace(ScriptThreshold, $"Profile.Int(\"opus_after_messages\", {1000 + revision})", StringComparison.Ordinal);

    /// <summary>
    /// X-Policy-Version of the files as they are now: SHA-256 over "path\0sha256(file)\n" for every profile file, every
    /// rule file a profile references and models.yaml (ordinal order), then the seed override variables that are set; first 12 hex digits.
    /// </summary>
    public string ExpectedVersion()
    {
        var profiles = System.IO.Directory.EnumerateFiles(Path.Combine(Directory, "profiles"))
            .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal))
            .Select(f => "profiles/" + Path.GetFileName(f))
            .ToList();
        var rules = profiles
            .SelectMany(p => RulePathLine().Matches(File.ReadAllText(Path.Combine(Directory, p))).Select(m => m.Groups[1].Value.Trim('"', '\'')))
            .Where(r => File.Exists(Path.Combine(Directory, r)));
        // models.yaml (the model catalogue) is part of the snapshot, and of its version, since it hot-reloads with the rest.
        var catalogue = File.Exists(Path.Combine(Directory, "models.yaml")) ? ["models.yaml"] : Array.Empty<string>();
        var text = new StringBuilder();
        foreach (var path in profiles.Concat(rules).Concat(catalogue).Distinct().Order(StringComparer.Ordinal))
        {
            using var stream = File.OpenRead(Path.Combine(Directory, path));
            text.Append(path).Append('\0').Append(Convert.ToHexStringLower(SHA256.HashData(stream))).Append('\n');
        }
        foreach (var name in PolicySnapshotBuilder.OverrideVariables)
            if (Environment.GetEnvironmentVariable(name) is { } value) text.Append(name).Append('=').Append(value).Append('\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..12];
    }

    private void Write(string relative, string text) => File.WriteAllText(Path.Combine(Directory, relative), text);

    private static void Copy(string from, string to)
    {
        System.IO.Directory.CreateDirectory(to);
        foreach (var file in System.IO.Directory.EnumerateFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (var dir in System.IO.Directory.EnumerateDirectories(from)) Copy(dir, Path.Combine(to, Path.GetFileName(dir)));
    }

    [GeneratedRegex(@"^\s*path:\s*(\S+)\s*$", RegexOptions.Multiline)]
    private static partial Regex RulePathLine();

    public void Dispose()
    {
        try { System.IO.Directory.Delete(Directory, recursive: true); }
        catch (IOException) { }
    }
}
