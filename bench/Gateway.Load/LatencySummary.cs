namespace Gateway.Load;

/// <summary>Percentiles (nearest rank) of one set of samples, in milliseconds.</summary>
public sealed record LatencySummary(int Count, double P50, double P90, double P99, double Max, double Mean)
{
    public static LatencySummary From(IReadOnlyList<long> ticks)
    {
        if (ticks.Count == 0) return new LatencySummary(0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
        var sorted = ticks.ToArray();
        Array.Sort(sorted);
        double At(double p) => ScenarioSamples.Ms(sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)]);
        return new LatencySummary(sorted.Length, At(0.50), At(0.90), At(0.99), ScenarioSamples.Ms(sorted[^1]), ScenarioSamples.Ms((long)sorted.Average()));
    }
}
