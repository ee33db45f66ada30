using Gateway.Core.Models;
using Gateway.Simulator;

namespace Gateway.Host.Tests.Models;

/// <summary>
/// The gateway's catalogue and the simulator's model table are two readings of Anthropic's docs. Where they disagree on a
/// limit, tests pass against the simulator that the real API would fail (or the reverse): keep them in step.
/// </summary>
public sealed class CatalogueMatchesSimulatorTests
{
    public static TheoryData<string> CatalogueIds()
    {
        var data = new TheoryData<string>();
        foreach (var m in ModelCatalogue.LoadDefault().Models)
        {
            data.Add(m.Id);
            foreach (var alias in m.ApiAliases) data.Add(alias);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(CatalogueIds))]
    public void EveryCatalogueModel_IsKnownToTheSimulator_WithTheSameOutputLimit(string id)
    {
        Assert.True(ModelCatalogue.LoadDefault().TryGet(id, out var entry));
        var simulated = SimulatedModels.Find(id);
        Assert.NotNull(simulated);
        Assert.Equal(entry.MaxOutputTokens, simulated!.MaxOutputTokens);
        // The planner places breakpoints only above the catalogue's minimum: it may be more cautious than the upstream, never less.
        Assert.True(entry.MinCacheableTokens >= simulated.MinCacheableTokens,
            $"{id}: catalogue minimum {entry.MinCacheableTokens} < simulator's {simulated.MinCacheableTokens}");
    }
}
