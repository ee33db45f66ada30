using Gateway.Host.Tests.Infrastructure;

namespace Gateway.Host.Tests.Policies;

/// <summary><c>models.yaml</c> is part of the policy snapshot: an edit reloads with the rest, a broken edit keeps the last good catalogue.</summary>
public sealed class ModelCatalogueReloadTests
{
    [Fact]
    public async Task EditedAlias_TakesEffectAfterReload_BrokenCatalogueKeepsLastGood()
    {
        await using var p = await PolicyGateway.StartAsync(PolicyDirectory.Create());
        using (await p.ChatAsync("catalogue-v1")) { }
        Assert.Equal("claude-sonnet-5-5", p.UpstreamModel("catalogue-v1"));
        var v1 = await p.VersionOfCompletionAsync("catalogue-v1-version");

        // An operator points gpt-4o at Haiku: new version, the alias routes there.
        p.Dir.Edit("models.yaml", "  gpt-4o: default", "  gpt-4o: claude-haiku-5-5");
        var (status, body) = await p.AdminReloadAsync();
        Assert.Equal(200, status);
        var v2 = body.GetProperty("version").GetString()!;
        Assert.NotEqual(v1, v2);
        using (await p.ChatAsync("catalogue-v2")) { }
        Assert.Equal("claude-haiku-5-5", p.UpstreamModel("catalogue-v2"));

        // A broken catalogue is rejected with its position; the last good one keeps serving.
        p.Dir.Edit("models.yaml", "  gpt-4o: claude-haiku-5-5", "  gpt-4o: [not, a, model]");
        var (brokenStatus, brokenBody) = await p.AdminReloadAsync();
        Assert.Equal(422, brokenStatus);
        Assert.Contains(brokenBody.GetProperty("diagnostics").EnumerateArray(), d => d.GetString()!.StartsWith("models.yaml:", StringComparison.Ordinal));
        Assert.Equal(v2, await p.VersionOfCompletionAsync("catalogue-v2-still"));
        Assert.Equal("claude-haiku-5-5", p.UpstreamModel("catalogue-v2-still"));
    }
}
