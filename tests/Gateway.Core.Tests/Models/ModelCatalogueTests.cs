using Gateway.Core.Models;

namespace Gateway.Core.Tests.Models;

public sealed class ModelCatalogueTests
{
    private static readonly ModelCatalogue Catalogue = ModelCatalogue.LoadDefault();

    [Theory]
    [InlineData("claude-sonnet-4-20250514")]
    [InlineData("claude-opus-4-20250514")]
    [InlineData("claude-opus-4-1-20250805")]
    [InlineData("claude-sonnet-4-5-20250929")]
    [InlineData("claude-haiku-4-5-20251001")]
    [InlineData("claude-opus-4-5-20251101")]
    [InlineData("claude-3-7-sonnet-20250219")]
    [InlineData("claude-3-5-haiku-20241022")]
    [InlineData("claude-sonnet-4-6")]
    [InlineData("claude-opus-4-6")]
    [InlineData("claude-opus-5-5")]
    [InlineData("claude-sonnet-5-5")]
    public void LoadDefault_ListsModel(string id)
    {
        Assert.True(Catalogue.TryGet(id, out var m));
        Assert.True(m.MaxOutputTokens > 0 && m.ContextWindow >= m.MaxOutputTokens && m.Prices.Input > 0 && m.MinCacheableTokens > 0);
    }

    [Fact]
    public void LoadDefault_EqualsPoliciesFile()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "policies", "models.yaml"))) dir = dir.Parent;
        if (dir is null) return; // artifacts outside the tree: nothing to compare
        var file = ModelCatalogue.Load(Path.Combine(dir.FullName, "policies", "models.yaml"));
        Assert.Equal(Catalogue.Models, file.Models);
        Assert.Equal(Catalogue.DefaultModel, file.DefaultModel);
    }

    [Fact]
    public void Parse_Broken_ReportsEveryErrorWithLine()
    {
        const string yaml = """
            defaults: { default_model: nope, opus_model: m1 }
            aliases: { gpt-4o: missing }
            models:
              - id: m1
                context_window: 100
                max_output_tokens: 10
                prices: { input: 1, output: 2, cache_write_5m: 1, cache_write_1h: 2, cache_read: -1 }
                min_cacheable_tokens: 1024
                rules: { thinking: sometimes }
            """;
        var e = Assert.Throws<ModelCatalogueException>(() => ModelCatalogue.Parse(yaml, "x.yaml"));
        Assert.Contains(e.Errors, m => m.StartsWith("x.yaml:7:") && m.Contains("cache_read"));
        Assert.Contains(e.Errors, m => m.StartsWith("x.yaml:9:") && m.Contains("thinking"));
        Assert.Contains(e.Errors, m => m.StartsWith("x.yaml:1:") && m.Contains("default_model"));
        Assert.Contains(e.Errors, m => m.StartsWith("x.yaml:2:") && m.Contains("gpt-4o"));
    }

    [Fact]
    public void Load_MissingFile_NamesFile()
    {
        var e = Assert.Throws<ModelCatalogueException>(() => ModelCatalogue.Load("/nonexistent/models.yaml"));
        Assert.StartsWith("/nonexistent/models.yaml", e.Message);
    }

    [Theory]
    [InlineData(null, "claude-sonnet-5-5", "default")]
    [InlineData("", "claude-sonnet-5-5", "default")]
    [InlineData("gpt-4o", "claude-sonnet-5-5", "alias")]
    [InlineData("gpt-4.1", "claude-sonnet-5-5", "alias")]
    [InlineData("gpt-4o-mini", "claude-sonnet-5-5", "alias")]
    [InlineData("opus", "claude-opus-5-5", "alias")]
    [InlineData("sonnet", "claude-sonnet-5-5", "alias")]
    [InlineData("claude-opus-4-6", "claude-opus-4-6", "requested")]
    [InlineData("claude-future-9", "claude-future-9", "requested")]
    [InlineData("llama-3", "claude-sonnet-5-5", "default")]
    public void Resolve_MapsPerTable(string? requested, string model, string source)
    {
        var r = ModelResolver.FromCatalogue(Catalogue).Resolve(requested);
        Assert.Equal(new ModelResolution(model, source), r);
    }

    [Theory]
    [InlineData("claude-sonnet-4-5", "claude-sonnet-4-5-20250929")]
    [InlineData("claude-opus-4-1", "claude-opus-4-1-20250805")]
    [InlineData("claude-haiku-4-5", "claude-haiku-4-5-20251001")]
    [InlineData("claude-sonnet-4-0", "claude-sonnet-4-20250514")]
    public void TryGet_ApiAlias_FindsSnapshotEntry(string alias, string snapshot)
    {
        Assert.True(Catalogue.TryGet(alias, out var entry));
        Assert.Equal(snapshot, entry.Id);
        // Resolved to the catalogue's canonical id, so limits, rules and thinking signatures line up with what the upstream reports.
        Assert.Equal(new ModelResolution(snapshot, "requested"), ModelResolver.FromCatalogue(Catalogue).Resolve(alias));
        Assert.Contains(alias, ModelResolver.FromCatalogue(Catalogue).ListedModelIds());
    }

    [Fact]
    public void ListedModelIds_HasCatalogueAndAliases()
    {
        var ids = ModelResolver.FromCatalogue(Catalogue).ListedModelIds();
        Assert.Contains("claude-opus-4-6", ids);
        Assert.Contains("gpt-4o", ids);
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }
}
