namespace Gateway.Reduction;

/// <summary>
/// Totals over a set of request outcomes of one configuration, against the baseline of the same requests.
/// "Tokens the client sent" = the upstream's input total for the same request replayed with every reduction off
/// (the client's request translated as-is, no cache_control): one tokenizer (the upstream's), one content definition.
/// </summary>
public sealed record Summary(
    int Requests,
    int Failed,
    int Rejected,
    long BaselineTokens,
    long SentTokens,
    long InputTokens,
    long CacheWrite5m,
    long CacheWrite1h,
    long CacheRead,
    double CostUnits,
    long OutputTokens,
    int Facts,
    int FactsPresent,
    double MinRetention)
{
    /// <summary>1 - tokens sent upstream / tokens the client sent.</summary>
    public double RawReduction => BaselineTokens == 0 ? 0 : 1 - (double)SentTokens / BaselineTokens;

    /// <summary>1 - (input + 1.25 x 5m writes + 2 x 1h writes + 0.1 x reads) / baseline input tokens.</summary>
    public double EffectiveReduction => BaselineTokens == 0 ? 0 : 1 - CostUnits / BaselineTokens;

    public double Retention => Facts == 0 ? 1 : (double)FactsPresent / Facts;

    public static Summary Of(IEnumerable<RequestOutcome> outcomes, IReadOnlyDictionary<(string, int), RequestOutcome> baseline)
    {
        var list = outcomes.ToList();
        long baseTokens = 0;
        foreach (var o in list)
            if (baseline.TryGetValue((o.Session, o.Seq), out var b) && b.Ok) baseTokens += b.Usage.TotalInput;
        return new Summary(
            list.Count,
            list.Count(o => !o.Ok),
            list.Sum(o => o.UpstreamRejected),
            baseTokens,
            list.Sum(o => o.Usage.TotalInput),
            list.Sum(o => o.Usage.InputTokens),
            list.Sum(o => o.Usage.Write5m),
            list.Sum(o => o.Usage.Write1h),
            list.Sum(o => o.Usage.CacheReadInputTokens),
            list.Sum(o => o.Usage.CostUnits),
            list.Sum(o => o.Usage.OutputTokens),
            list.Sum(o => o.Retention.Facts),
            list.Sum(o => o.Retention.Present),
            list.Count == 0 ? 1 : list.Min(o => o.Retention.Share));
    }
}
