using Gateway.Core.Translation;

namespace Gateway.Core.Tests.Streaming;

/// <summary>The table of stream cases: input fixture, shaping, golden output (<c>streams/expected/{name}.txt</c>).</summary>
internal static class StreamCases
{
    public const string Model = "claude-sonnet-4-5";

    public static readonly Dictionary<string, (string Fixture, ResponseShaping Shaping)> All = new()
    {
        ["text"] = ("text.sse", new(Model)),
        ["text.include-usage"] = ("text.sse", new(Model, IncludeUsage: true)),
        ["tool-use"] = ("tool-use.sse", new(Model)),
        ["tool-use.json-mode"] = ("tool-use.sse", new(Model, JsonModeToolName: "get_weather")),
        ["tool-use.legacy-functions"] = ("tool-use.sse", new(Model, LegacyFunctions: true)),
        ["parallel-tools.name-map"] = ("parallel-tools.sse", new(Model, ToolNamesToClient: new Dictionary<string, string> { ["web_search_v2"] = "web.search" })),
        ["parallel-tools.legacy-functions"] = ("parallel-tools.sse", new(Model, LegacyFunctions: true)),
        ["thinking-then-tool.include-usage"] = ("thinking-then-tool.sse", new(Model, IncludeUsage: true)),
        ["error-mid-stream"] = ("error-mid-stream.sse", new(Model)),
        ["truncated"] = ("truncated.sse", new(Model, IncludeUsage: true)),
    };

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var name in All.Keys) data.Add(name);
        return data;
    }

    public static TheoryData<string> Fixtures()
    {
        var data = new TheoryData<string>();
        foreach (var name in All.Values.Select(v => v.Fixture).Distinct()) data.Add(name);
        return data;
    }
}
