using System.Text.Json;
using Gateway.Policy.Configuration;

namespace Gateway.Policy.Tests.Configuration;

public sealed class ProfileSchemaTests
{
    private static JsonDocument Schema(string name) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(PolicyYamlLoaderTests.Shipped, "schema", name)));

    [Fact]
    public void ProfileSchema_ListsExactlyTheKeysTheLoaderAccepts()
    {
        using var doc = Schema("profile.schema.json");
        var root = doc.RootElement;
        Assert.Equal("https://json-schema.org/draft/2020-12/schema", root.GetProperty("$schema").GetString());
        var paths = new SortedSet<string>(StringComparer.Ordinal);
        Walk(root, root, "", paths);
        Assert.Equal(ProfileKeys.AllPaths().ToList(), paths.ToList());
    }

    [Fact]
    public void TestCaseSchema_ListsExactlyTheKeysTheLoaderAccepts()
    {
        using var doc = Schema("policy-tests.schema.json");
        var paths = new SortedSet<string>(StringComparer.Ordinal);
        Walk(doc.RootElement, doc.RootElement, "", paths, freeMaps: ["cases[].headers", "cases[].request"]);
        var expected = PolicyTestCaseLoader.TopKeys
            .Concat(PolicyTestCaseLoader.CaseKeys.Select(k => "cases[]." + k))
            .Concat(PolicyTestCaseLoader.ExpectKeys.Select(k => "cases[].expect." + k))
            .Append("cases[].headers.*")
            .Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, paths.ToList());
    }

    /// <summary>Collects dotted property paths; every object must close itself with additionalProperties: false or be a free map; every property has a description.</summary>
    private static void Walk(JsonElement root, JsonElement node, string path, ISet<string> into, string[]? freeMaps = null)
    {
        if (node.TryGetProperty("$ref", out var r))
            node = root.GetProperty("$defs").GetProperty(r.GetString()!["#/$defs/".Length..]);
        if (node.TryGetProperty("properties", out var props))
        {
            Assert.True(node.TryGetProperty("additionalProperties", out var ap) && ap.ValueKind == JsonValueKind.False,
                $"'{path}' must say additionalProperties: false");
            foreach (var p in props.EnumerateObject())
            {
                var child = path.Length == 0 ? p.Name : path + "." + p.Name;
                Assert.True(p.Value.TryGetProperty("description", out _), $"'{child}' needs a description");
                into.Add(child);
                Walk(root, p.Value, child, into, freeMaps);
            }
        }
        else if (node.TryGetProperty("additionalProperties", out var free) && free.ValueKind == JsonValueKind.Object)
        {
            into.Add(path + ".*");
        }
        if (node.TryGetProperty("items", out var items) && items.ValueKind == JsonValueKind.Object && freeMaps?.Contains(path) != true)
            Walk(root, items, path + "[]", into, freeMaps);
    }
}
