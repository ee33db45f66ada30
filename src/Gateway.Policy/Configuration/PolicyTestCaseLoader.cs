using System.Text.Json;
using YamlDotNet.RepresentationModel;

namespace Gateway.Policy.Configuration;

/// <summary>
/// Loads policy test cases: <c>policies/tests/*.yaml</c> (and <c>*.yml</c>), each <c>version: 1</c> and a list of <c>cases</c>.
/// Strict like the profile loader: unknown keys, wrong types, a missing or unreadable request file are errors with
/// file:line:col, all collected. Requests are inline (<c>request:</c>, YAML written as the OpenAI JSON body) or a JSON file
/// (<c>request_file:</c>, relative to the test file, e.g. a captured Continue request under <c>tests/requests/</c>).
/// </summary>
public static class PolicyTestCaseLoader
{
    internal static readonly string[] TopKeys = ["version", "cases"];
    internal static readonly string[] CaseKeys = ["name", "description", "profile", "key", "headers", "request", "request_file", "expect"];
    internal static readonly string[] ExpectKeys =
        ["profile", "rejected", "model", "model_source", "contains", "not_contains", "max_tokens_after", "system_notes", "no_system_notes", "changed_by"];

    /// <summary>Loads every test file of <paramref name="dir"/> (the <c>tests</c> directory); paths in results start with its name.</summary>
    public static PolicyTestLoadResult Load(string dir)
    {
        var diagnostics = new List<PolicyDiagnostic>();
        var cases = new List<PolicyTestCase>();
        var files = new List<string>();
        var prefix = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(dir)));
        if (!Directory.Exists(dir))
            return new([], [], [new PolicyDiagnostic(new SourceLocation(prefix + "/", 0, 0), $"test directory '{dir}' not found")]);
        var testFiles = Directory.EnumerateFiles(dir)
            .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);
        foreach (var full in testFiles)
        {
            var rel = prefix + "/" + Path.GetFileName(full);
            files.Add(rel);
            LoadFile(File.ReadAllText(full), rel, requestFile =>
            {
                var path = Path.GetFullPath(Path.Combine(dir, requestFile));
                if (!File.Exists(path)) return null;
                var relRequest = prefix + "/" + Path.GetRelativePath(dir, path).Replace('\\', '/');
                if (!files.Contains(relRequest)) files.Add(relRequest);
                return File.ReadAllText(path);
            }, cases, diagnostics);
        }
        return new(cases, files, diagnostics.Distinct()
            .OrderBy(d => d.Location.File, StringComparer.Ordinal).ThenBy(d => d.Location.Line).ThenBy(d => d.Location.Column).ToList());
    }

    /// <summary>Parses one test file; <paramref name="readRequestFile"/> returns a request file's text or null when missing.</summary>
    internal static void LoadFile(string text, string file, Func<string, string?> readRequestFile, List<PolicyTestCase> cases, List<PolicyDiagnostic> diagnostics)
    {
        var source = new YamlSource();
        var r = new YamlReader(source, diagnostics);
        var root = source.Parse(text, file, diagnostics);
        if (root is null) return;
        var top = r.Section(root, "", TopKeys);
        if (top is null)
        {
            r.Error(root, $"a test file is a mapping with 'version: 1' and 'cases', got {YamlReader.Describe(root)}");
            return;
        }
        if (YamlSource.Find(top, "version") is not { } version) r.Error(top, "version: required; add 'version: 1' at the top");
        else if (r.Int(version, "version", 0) is { } v && v != 1) r.Error(version, $"version: {v} is not supported; this gateway reads version 1");
        if (YamlSource.Find(top, "cases") is not { } casesNode) { r.Error(top, "cases: required (a list of test cases)"); return; }
        if (r.Sequence(casesNode, "cases") is not { } items) return;
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++)
            if (Case(r, items[i], $"cases[{i}]", readRequestFile) is { } c)
            {
                if (!names.Add(c.Name)) r.Error(YamlSource.Find((YamlMappingNode)items[i], "name")!, $"cases[{i}].name: duplicate case name '{c.Name}'");
                cases.Add(c);
            }
    }

    private static PolicyTestCase? Case(YamlReader r, YamlNode node, string path, Func<string, string?> readRequestFile)
    {
        var m = r.Section(node, path, CaseKeys);
        if (m is null) { r.Error(node, $"{path}: expected a test case (name, request, expect)"); return null; }
        var ok = true;
        var name = r.String(m, "name", path);
        if (YamlSource.Find(m, "name") is null) { r.Error(m, $"{path}: 'name' is required"); ok = false; }
        _ = r.String(m, "description", path, nullable: true);
        var profile = r.String(m, "profile", path, nullable: true);
        var key = r.String(m, "key", path, nullable: true);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (k, v) in r.FreeMap(YamlSource.Find(m, "headers"), path + ".headers") ?? []) headers[k] = v;
        if (profile is not null && (key is not null || headers.Count > 0))
            r.Error(YamlSource.Find(m, "profile")!, $"{path}.profile: forces the profile, so 'key' and 'headers' would not be used; give one or the other");

        string? json = null, requestFile = null;
        var inline = YamlSource.Find(m, "request");
        var fileNode = YamlSource.Find(m, "request_file");
        if ((inline is null) == (fileNode is null)) { r.Error(m, $"{path}: give exactly one of 'request' or 'request_file'"); ok = false; }
        if (inline is not null)
        {
            if (inline is not YamlMappingNode req || YamlSource.Find(req, "messages") is not YamlSequenceNode)
            { r.Error(inline, $"{path}.request: expected an OpenAI chat request (a mapping with a 'messages' list)"); ok = false; }
            else json = YamlJson.ToJson(req);
        }
        else if (fileNode is not null && (requestFile = r.String(fileNode, path + ".request_file")) is not null)
        {
            var content = readRequestFile(requestFile);
            if (content is null) { r.Error(fileNode, $"{path}.request_file: '{requestFile}' not found (paths are relative to the test file)"); ok = false; }
            else if (CheckJson(content) is { } problem) { r.Error(fileNode, $"{path}.request_file: '{requestFile}': {problem}"); ok = false; }
            else json = content;
        }

        var expect = Expect(r, YamlSource.Find(m, "expect"), path + ".expect", m);
        if (!ok || name is null || json is null || expect is null) return null;
        return new PolicyTestCase
        {
            Name = name, Profile = profile, Key = key, Headers = headers, RequestJson = json, RequestFile = requestFile,
            Expect = expect, Location = r.Location(m),
        };
    }

    private static PolicyTestExpectation? Expect(YamlReader r, YamlNode? node, string path, YamlMappingNode caseNode)
    {
        if (node is null) { r.Error(caseNode, $"{path}: required (what the policy must do with the request)"); return null; }
        var m = r.Section(node, path, ExpectKeys);
        if (m is null || m.Children.Count == 0) { r.Error(node, $"{path}: nothing to check; give at least one expectation"); return null; }
        List<string> Strings(string key) => r.StringList(m, key, path)?.Select(x => x.Value).ToList() ?? [];
        return new PolicyTestExpectation
        {
            Profile = r.String(m, "profile", path, nullable: true),
            Rejected = r.String(m, "rejected", path, nullable: true),
            Model = r.String(m, "model", path, nullable: true),
            ModelSource = r.String(m, "model_source", path, nullable: true),
            Contains = Strings("contains"),
            NotContains = Strings("not_contains"),
            MaxTokensAfter = r.Int(m, "max_tokens_after", path, 1),
            SystemNotes = Strings("system_notes"),
            NoSystemNotes = Strings("no_system_notes"),
            ChangedBy = Strings("changed_by"),
            Location = r.Location(m),
        };
    }

    private static string? CheckJson(string content)
    {
        try
        {
            using var doc = JsonDocument.Parse(content);
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("messages", out var msgs) || msgs.ValueKind != JsonValueKind.Array)
                return "expected a JSON object with a 'messages' array (an OpenAI chat request body)";
            return null;
        }
        catch (JsonException e)
        {
            return $"invalid JSON at line {e.LineNumber + 1}: {e.Message}";
        }
    }
}
