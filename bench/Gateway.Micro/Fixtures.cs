using System.Text.Json;
using Gateway.Core.Models;
using Gateway.Policy.BuiltIn;
using Gateway.Policy.Scripting;
using Gateway.Policy.Sessions;
using Gateway.Policy.Snapshots;

namespace Gateway.Micro;

/// <summary>The real inputs: captured Continue requests (the smallest and the largest of continue-session-1), stream and response fixtures, the shipped policies.</summary>
public static class Fixtures
{
    public const string RootVariable = "GW_MICRO_ROOT";

    /// <summary>The repository root: from GW_MICRO_ROOT, else the first parent of the working or base directory holding Gateway.sln.</summary>
    public static string FindRoot()
    {
        if (Environment.GetEnvironmentVariable(RootVariable) is { Length: > 0 } set) return set;
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Gateway.sln"))) return dir.FullName;
        throw new InvalidOperationException("Cannot find the repository root (Gateway.sln); run from the checkout or set " + RootVariable + ".");
    }

    public static string PoliciesDirectory => Path.Combine(FindRoot(), "policies");

    public static string Path_(params string[] parts) => Path.Combine([FindRoot(), .. parts]);

    /// <summary>Request bodies of continue-session-1.jsonl, in order (line 1 is the smallest, the last the largest).</summary>
    public static IReadOnlyList<(byte[] Body, Dictionary<string, string> Headers)> ContinueSession()
    {
        var list = new List<(byte[], Dictionary<string, string>)>();
        foreach (var line in File.ReadLines(Path_("tests", "fixtures", "openai", "continue-session-1.jsonl")))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            using var doc = JsonDocument.Parse(line);
            var body = System.Text.Encoding.UTF8.GetBytes(doc.RootElement.GetProperty("body").GetRawText());
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var h in doc.RootElement.GetProperty("headers").EnumerateObject())
                if (h.Value.ValueKind == JsonValueKind.String && h.Name is not ("authorization" or "x-api-key" or "api-key"))
                    headers[h.Name] = h.Value.GetString()!;
            list.Add((body, headers));
        }
        return list;
    }

    /// <summary>"small": the smallest request of the session; "large": the largest.</summary>
    public static (byte[] Body, Dictionary<string, string> Headers) Request(string size)
    {
        var session = ContinueSession();
        return size switch
        {
            "small" => session.MinBy(r => r.Body.Length),
            "large" => session.MaxBy(r => r.Body.Length),
            _ => throw new ArgumentOutOfRangeException(nameof(size), size, "small or large"),
        };
    }

    public static ModelCatalogue Catalogue() => ModelCatalogue.Load(Path.Combine(PoliciesDirectory, "models.yaml"));

    /// <summary>The shipped policies, as the host builds them (script rules compiled).</summary>
    public static PolicySnapshot Snapshot()
    {
        var result = new PolicySnapshotBuilder(new ScriptRuleCompiler(), new BuiltInStepOptions { SessionStore = new InMemorySessionModelStore() })
            .Build(PoliciesDirectory, new Dictionary<string, string?>(), DateTimeOffset.UtcNow);
        return result.Snapshot ?? throw new InvalidOperationException("policies/ does not build: " + string.Join("; ", result.Errors.Select(e => e.ToString())));
    }
}
