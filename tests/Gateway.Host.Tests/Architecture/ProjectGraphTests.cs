using System.Xml.Linq;
using Gateway.Host.Tests.Policies;

namespace Gateway.Host.Tests.Architecture;

/// <summary>
/// The project graph points one way: Core (wire models, translators, streaming, upstream) at the bottom; State (Redis
/// infrastructure) on it; Policy and Economy side by side on those; the Host on top; the demo launcher above the host
/// with the simulator. Read from the .csproj files themselves, so an upward or sideways reference fails here.
/// </summary>
public sealed class ProjectGraphTests
{
    // Level of each production project: a project may reference only projects of a lower level.
    private static readonly Dictionary<string, int> Levels = new(StringComparer.Ordinal)
    {
        ["Gateway.Core"] = 0,
        ["Gateway.Policy.Abstractions"] = 0,
        ["Gateway.Simulator"] = 0,
        ["Gateway.State"] = 1,
        ["Gateway.Policy"] = 2,
        ["Gateway.Economy"] = 2,
        ["Gateway.Host"] = 3,
        ["Gateway.Demo"] = 4,
    };

    [Fact]
    public void EveryProjectReferenceGoesDown()
    {
        var violations = new List<string>();
        foreach (var (project, references) in SourceProjects())
        {
            Assert.True(Levels.TryGetValue(project, out var level), $"{project} is not in the layer table of this test: give it a level");
            foreach (var reference in references)
            {
                Assert.True(Levels.TryGetValue(reference, out var target), $"{project} references {reference}, which is not a src project in the table");
                if (target >= level) violations.Add($"{project} (level {level}) -> {reference} (level {target})");
            }
        }
        Assert.True(violations.Count == 0, "References that do not go down: " + string.Join("; ", violations));
    }

    [Fact]
    public void CoreReferencesNoneOfOurs_AndOnlyTheDemoLauncherReferencesTheSimulator()
    {
        var graph = SourceProjects();
        Assert.Empty(graph["Gateway.Core"]);
        Assert.Equal(["Gateway.Core"], graph["Gateway.State"]);
        Assert.DoesNotContain("Gateway.Policy", graph["Gateway.Economy"]);
        Assert.DoesNotContain("Gateway.Economy", graph["Gateway.Policy"]);
        var referencingSimulator = graph.Where(p => Reaches(graph, p.Key, "Gateway.Simulator")).Select(p => p.Key).ToList();
        Assert.Equal(["Gateway.Demo"], referencingSimulator);
    }

    [Fact]
    public void TheTableSeesUpwardReferences()
    {
        // The check itself: a made-up Core -> Host edge must be reported.
        var graph = SourceProjects();
        graph["Gateway.Core"] = [.. graph["Gateway.Core"], "Gateway.Host"];
        Assert.Contains(graph, p => p.Value.Any(r => Levels[r] >= Levels[p.Key]));
    }

    private static bool Reaches(Dictionary<string, List<string>> graph, string from, string to) =>
        graph.TryGetValue(from, out var refs) && refs.Any(r => r == to || Reaches(graph, r, to));

    private static Dictionary<string, List<string>> SourceProjects()
    {
        var src = Path.Combine(PolicyDirectory.RepoRoot, "src");
        var graph = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var csproj in Directory.GetFiles(src, "*.csproj", SearchOption.AllDirectories))
        {
            var name = Path.GetFileNameWithoutExtension(csproj);
            graph[name] = XDocument.Load(csproj).Descendants("ProjectReference")
                .Select(r => Path.GetFileNameWithoutExtension(r.Attribute("Include")!.Value.Replace('\\', '/')))
                .ToList();
        }
        Assert.True(graph.Count >= 8, $"expected the src projects, found {graph.Count} under {src}");
        return graph;
    }
}
