using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Gateway.Policy.Configuration;

/// <summary>
/// Loads <c>policies/profiles/*.yaml</c> (and <c>*.yml</c>): one profile per file, named after the file. Strict: an unknown
/// key, a wrong type or an invalid value is an error with file, line and column, and every error of every file is collected
/// before returning. Steps:
/// 1. parse each file (positions kept per node) and check its header: <c>version: 1</c>, optional <c>name</c> equal to the file name;
/// 2. resolve <c>extends</c> chains by deep-merging the YAML trees (maps key by key, lists replaced), reporting cycles and unknown parents;
/// 3. bind each merged tree to a <see cref="ProfileConfig"/>;
/// 4. check the set: a <c>default</c> profile, no key hash / header value / model prefix claimed twice, referenced rule files exist.
/// Environment overrides are not applied here: see <see cref="SeedOverrides"/>.
/// </summary>
public static partial class PolicyYamlLoader
{
    public const int SupportedVersion = 1;

    /// <summary>Loads every profile of <paramref name="policyDir"/>; <c>models.yaml</c> and <c>tests/</c> are not read here.</summary>
    public static PolicyLoadResult LoadDirectory(string policyDir)
    {
        var profilesDir = Path.Combine(policyDir, "profiles");
        if (!Directory.Exists(profilesDir))
            return new PolicyLoadResult([], [], [new PolicyDiagnostic(new SourceLocation("profiles/", 0, 0), $"no profiles directory in '{policyDir}'")]);
        var files = Directory.EnumerateFiles(profilesDir)
            .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal))
            .Select(f => ("profiles/" + Path.GetFileName(f), File.ReadAllText(f)))
            .OrderBy(f => f.Item1, StringComparer.Ordinal)
            .ToList();
        return LoadFiles(files, rel => File.Exists(Path.Combine(policyDir, rel)));
    }

    /// <summary>Parses one profile file on its own: header and body checks, no <c>extends</c> resolution, no rule-file checks.</summary>
    public static ProfileParseResult ParseProfile(string yaml, string fileName)
    {
        var diagnostics = new List<PolicyDiagnostic>();
        var source = new YamlSource();
        var parsed = ParseFile(source, fileName, yaml, diagnostics);
        ProfileConfig? profile = null;
        if (parsed is not null)
            profile = new ProfileBinder(new YamlReader(source, diagnostics)).Bind(parsed.Root, parsed.Name) with { Extends = parsed.Extends };
        return new ProfileParseResult(profile, Sorted(diagnostics));
    }

    /// <summary>The loader on in-memory files (relative path, text); <paramref name="fileExists"/> answers for rule paths.</summary>
    internal static PolicyLoadResult LoadFiles(IReadOnlyList<(string Path, string Text)> profileFiles, Func<string, bool> fileExists)
    {
        var diagnostics = new List<PolicyDiagnostic>();
        var source = new YamlSource();

        // 1. Parse and check headers.
        var parsed = new Dictionary<string, ParsedFile>(StringComparer.Ordinal);
        foreach (var (path, text) in profileFiles)
        {
            if (ParseFile(source, path, text, diagnostics) is not { } file) continue;
            if (parsed.TryGetValue(file.Name, out var first))
            {
                diagnostics.Add(new PolicyDiagnostic(new SourceLocation(path, 1, 1), $"duplicate profile name '{file.Name}': also defined in {first.Path}"));
                continue;
            }
            parsed[file.Name] = file;
        }

        // 2 and 3. Resolve extends and bind.
        var reader = new YamlReader(source, diagnostics);
        var binder = new ProfileBinder(reader);
        var resolved = new Dictionary<string, (YamlMappingNode Node, List<string> Ancestors)>(StringComparer.Ordinal);
        var profiles = new List<ProfileConfig>();
        foreach (var file in parsed.Values)
        {
            var (node, ancestors) = Resolve(file, parsed, resolved, source, diagnostics, []);
            var local = new HashSet<string>(StringComparer.Ordinal);
            foreach (var name in new[] { file.Name }.Concat(ancestors).TakeWhile(n => n != "default"))
                if (parsed.TryGetValue(name, out var f)) CollectLeafPaths(f.Root, "", local, topLevel: true);
            profiles.Add(binder.Bind(node, file.Name) with
            {
                Extends = file.Extends,
                Ancestors = ancestors,
                LocalKeys = local,
                Location = source.Location(file.Root),
            });
        }

        // 4. Checks across profiles.
        var files = profileFiles.Select(f => f.Path).ToList();
        var defaultFilePresent = profileFiles.Any(f => System.IO.Path.GetFileNameWithoutExtension(f.Path) == "default");
        CheckSet(profiles, parsed, defaultFilePresent, source, diagnostics);
        var ruleFiles = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var rule in profiles.SelectMany(p => p.Rules))
        {
            if (fileExists(rule.Path)) ruleFiles.Add(rule.Path);
            else diagnostics.Add(new PolicyDiagnostic(rule.Location, $"rule '{rule.Id}': file '{rule.Path}' not found in the policy directory"));
        }
        files.AddRange(ruleFiles);
        return new PolicyLoadResult(profiles, files, Sorted(diagnostics));
    }

    private sealed record ParsedFile(string Path, string Name, YamlMappingNode Root, string? Extends, YamlNode? ExtendsNode);

    private static ParsedFile? ParseFile(YamlSource source, string path, string text, List<PolicyDiagnostic> diagnostics)
    {
        var root = source.Parse(text, path, diagnostics);
        var start = new SourceLocation(path, 1, 1);
        if (root is null)
        {
            if (!diagnostics.Any(d => d.Location.File == path)) diagnostics.Add(new PolicyDiagnostic(start, "empty profile file: it needs at least 'version: 1'"));
            return null;
        }
        if (root is not YamlMappingNode map)
        {
            diagnostics.Add(new PolicyDiagnostic(source.Location(root), $"a profile file is a mapping (key: value lines), got {YamlReader.Describe(root)}"));
            return null;
        }
        var reader = new YamlReader(source, diagnostics);
        var name = System.IO.Path.GetFileNameWithoutExtension(path);
        if (!ProfileNameRegex().IsMatch(name))
            diagnostics.Add(new PolicyDiagnostic(start, $"profile file name '{name}' must be lower-case letters, digits, '-' or '_' (it is the profile's name)"));

        var version = YamlSource.Find(map, "version");
        if (version is null)
            diagnostics.Add(new PolicyDiagnostic(source.Location(map), $"version: required; add 'version: {SupportedVersion}' at the top"));
        else if (reader.Int(version, "version", 0) is { } v && v != SupportedVersion)
            reader.Error(version, $"version: {v} is not supported; this gateway reads version {SupportedVersion}");

        if (YamlSource.Find(map, "name") is { } nameNode && reader.String(nameNode, "name") is { } stated && stated != name)
            reader.Error(nameNode, $"name: '{stated}' differs from the file name '{name}'; a profile is named after its file (rename the file or drop 'name')");

        string? extends = null;
        var extendsNode = YamlSource.Find(map, "extends");
        if (extendsNode is not null)
        {
            extends = reader.String(extendsNode, "extends", nullable: true);
            if (extends == name) { reader.Error(extendsNode, $"extends: profile '{name}' cannot extend itself"); extends = null; }
        }
        return new ParsedFile(path, name, map, extends, extendsNode);
    }

    private static (YamlMappingNode Node, List<string> Ancestors) Resolve(ParsedFile file, Dictionary<string, ParsedFile> parsed,
        Dictionary<string, (YamlMappingNode Node, List<string> Ancestors)> resolved, YamlSource source, List<PolicyDiagnostic> diagnostics,
        List<string> visiting)
    {
        if (resolved.TryGetValue(file.Name, out var done)) return done;
        (YamlMappingNode, List<string>) result = (file.Root, []);
        if (file.Extends is { } parentName)
        {
            if (visiting.Contains(parentName) || parentName == file.Name)
            {
                var cycle = string.Join(" -> ", visiting.SkipWhile(v => v != parentName).Append(file.Name).Append(parentName));
                diagnostics.Add(new PolicyDiagnostic(source.Location(file.ExtendsNode!), $"extends: cycle {cycle}"));
            }
            else if (!parsed.TryGetValue(parentName, out var parent))
            {
                diagnostics.Add(new PolicyDiagnostic(source.Location(file.ExtendsNode!),
                    $"extends: unknown profile '{parentName}' (profiles: {string.Join(", ", parsed.Keys.Order(StringComparer.Ordinal))})"));
            }
            else
            {
                var (parentNode, parentAncestors) = Resolve(parent, parsed, resolved, source, diagnostics, [.. visiting, file.Name]);
                var merged = (YamlMappingNode)source.Merge(parentNode, file.Root, topLevel: true);
                result = (merged, [parentName, .. parentAncestors]);
            }
        }
        resolved[file.Name] = result;
        return result;
    }

    private static void CollectLeafPaths(YamlNode node, string path, HashSet<string> into, bool topLevel)
    {
        if (node is YamlMappingNode m && (topLevel || !YamlSource.IsNull(node)))
        {
            foreach (var (k, v) in m.Children)
            {
                if (YamlSource.KeyName(k) is not { } key) continue;
                if (topLevel && ProfileKeys.NotInherited.Contains(key)) continue;
                var child = path.Length == 0 ? key : path + "." + key;
                if (v is YamlMappingNode) { into.Add(child); CollectLeafPaths(v, child, into, false); }
                else into.Add(child);
            }
        }
    }

    private static void CheckSet(List<ProfileConfig> profiles, Dictionary<string, ParsedFile> parsed, bool defaultFilePresent, YamlSource source,
        List<PolicyDiagnostic> diagnostics)
    {
        if (!defaultFilePresent)
            diagnostics.Add(new PolicyDiagnostic(new SourceLocation("profiles/default.yaml", 0, 0),
                "no 'default' profile: add profiles/default.yaml (it serves every request no other profile matches)"));

        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var prefixes = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var p in profiles)
        {
            if (!parsed.TryGetValue(p.Name, out var file)) continue;
            var match = YamlSource.Find(file.Root, "match") as YamlMappingNode;
            SourceLocation At(string key) => match is not null && YamlSource.Find(match, key) is { } n ? source.Location(n) : p.Location;
            foreach (var hash in p.Match.KeySha256.Distinct())
                if (!keys.TryAdd(hash, p.Name))
                    diagnostics.Add(new PolicyDiagnostic(KeyLocation(match, hash, source) ?? At("key_sha256"),
                        $"match.key_sha256: key {hash[..12]}... is already bound to profile '{keys[hash]}'; a key selects one profile"));
            if (p.Match.HeaderValue is { } value && !headers.TryAdd(p.Match.HeaderName + ": " + value, p.Name))
                diagnostics.Add(new PolicyDiagnostic(At("header"),
                    $"match.header: '{p.Match.HeaderName}: {value}' already selects profile '{headers[p.Match.HeaderName + ": " + value]}'"));
            if (p.Match.ModelPrefix is { } prefix && !prefixes.TryAdd(prefix, p.Name))
                diagnostics.Add(new PolicyDiagnostic(At("model_prefix"), $"match.model_prefix: '{prefix}' already selects profile '{prefixes[prefix]}'"));
            if (p.Name == "default" && (p.Match.KeySha256.Count > 0 || p.Match.HeaderValue is not null || p.Match.ModelPrefix is not null))
                diagnostics.Add(new PolicyDiagnostic(At("key_sha256"), "match: the default profile matches everything unmatched; it takes no match"));
        }
    }

    private static SourceLocation? KeyLocation(YamlMappingNode? match, string hash, YamlSource source)
    {
        if (match is null || YamlSource.Find(match, "key_sha256") is not YamlSequenceNode seq) return null;
        var item = seq.Children.OfType<YamlScalarNode>().LastOrDefault(s => string.Equals(s.Value, hash, StringComparison.OrdinalIgnoreCase));
        return item is null ? null : source.Location(item);
    }

    private static List<PolicyDiagnostic> Sorted(List<PolicyDiagnostic> diagnostics) => diagnostics
        .Distinct()
        .OrderBy(d => d.Location.File, StringComparer.Ordinal).ThenBy(d => d.Location.Line).ThenBy(d => d.Location.Column)
        .ToList();

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]*$")]
    private static partial Regex ProfileNameRegex();
}
