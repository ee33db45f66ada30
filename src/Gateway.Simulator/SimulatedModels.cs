namespace Gateway.Simulator;

/// <summary>Which <c>thinking.type</c> values a model accepts besides <c>disabled</c>.</summary>
public enum ThinkingSupport
{
    /// <summary>No extended thinking at all (Claude 3.5 Haiku).</summary>
    None,
    /// <summary><c>{type: enabled, budget_tokens}</c> only.</summary>
    Budget,
    /// <summary>Both <c>enabled</c> (deprecated) and <c>adaptive</c> (Claude 4.6).</summary>
    BudgetAndAdaptive,
    /// <summary><c>adaptive</c> only; <c>enabled</c> answers 400 (Opus 4.7 and later).</summary>
    AdaptiveOnly,
}

/// <summary>Whether thinking runs when the request has no <c>thinking</c> field.</summary>
public enum ThinkingDefault
{
    Off,
    /// <summary>On unless <c>{type: disabled}</c> (Opus 5, Sonnet 5.5, Haiku 5.5).</summary>
    On,
    /// <summary>Always on; <c>{type: disabled}</c> answers 400 (Fable 5.x, Opus 5.5).</summary>
    Always,
}

/// <summary>Parameter rules that newer models added (each one a documented 400).</summary>
[Flags]
public enum ModelRules
{
    None = 0,
    /// <summary>"temperature and top_p cannot both be specified for this model" (Opus 4.1 .. 4.6, Sonnet/Haiku 4.5).</summary>
    TemperatureXorTopP = 1,
    /// <summary>Non-default temperature / top_p and any top_k answer 400 ("`temperature` is deprecated for this model.", Opus 4.7 and later).</summary>
    NoSampling = 2,
    /// <summary>A final assistant message (prefill) answers 400 (Claude 4.6 and later).</summary>
    NoPrefill = 4,
}

/// <summary>One model the simulator serves.</summary>
/// <param name="Id">The model id as sent in <c>model</c>.</param>
/// <param name="MaxOutputTokens">Largest accepted <c>max_tokens</c>.</param>
/// <param name="ContextWindow">Input + output token window (informational; not enforced).</param>
/// <param name="Thinking">Accepted thinking modes.</param>
/// <param name="ThinkingDefault">Thinking without a <c>thinking</c> field.</param>
/// <param name="Rules">Extra parameter rules.</param>
/// <param name="MinCacheableTokens">Minimum cacheable prompt length: a shorter prefix is neither written nor read, without error
/// (prompt caching docs, "Cache limitations").</param>
/// <param name="SnapshotOf">For an undated alias: the snapshot it points to (thinking signatures are bound to the snapshot).</param>
public sealed record SimulatedModel(
    string Id,
    int MaxOutputTokens,
    int ContextWindow,
    ThinkingSupport Thinking,
    ThinkingDefault ThinkingDefault,
    ModelRules Rules,
    int MinCacheableTokens,
    string? SnapshotOf = null)
{
    /// <summary>The id thinking signatures are bound to.</summary>
    public string CanonicalId => SnapshotOf ?? Id;
}

/// <summary>
/// The models the simulator knows, as a readable table. Sources: the Anthropic models overview,
/// per-model pages and migration guides (platform.claude.com, 2026 snapshots: Fable 5.2, Opus 5.5,
/// Sonnet 5.5, Haiku 5.5 current). The gateway's model catalogue may add rows here.
/// Min cache: the prompt caching docs, "Cache limitations" (512 Opus 5 / Fable 5; 1,024 Opus 4.8, Sonnet 5, Sonnet 4.6,
/// Sonnet 4.5, Opus 4.1, Opus 4, Sonnet 4; 2,048 Opus 4.7; 4,096 Opus 4.6, Opus 4.5, Haiku 4.5; 2,048 Haiku 3.5;
/// 1,024 Sonnet 3.7 from the earlier edition). Not listed there, assumed like their family: Fable 5.1 / 5.2, Opus 5.5 and
/// Sonnet 5.5 (512, as secondary sources report), Haiku 5.5 (512).
/// </summary>
public static class SimulatedModels
{
    private const int K = 1000;
    private const int M200 = 200_000;
    private const int M1 = 1_000_000;

    private const ModelRules Xor = ModelRules.TemperatureXorTopP;
    private const ModelRules Xor46 = ModelRules.TemperatureXorTopP | ModelRules.NoPrefill;
    private const ModelRules Modern = ModelRules.NoSampling | ModelRules.NoPrefill;

    /// <summary>Dated snapshots and undated model ids.</summary>
    public static readonly IReadOnlyList<SimulatedModel> Snapshots =
    [
        //   id                              max out  context  thinking                            default                 rules            min cache
        new("claude-3-5-haiku-20241022",     8_192,   M200,    ThinkingSupport.None,               ThinkingDefault.Off,    ModelRules.None,  2048),
        new("claude-3-7-sonnet-20250219",    64 * K,  M200,    ThinkingSupport.Budget,             ThinkingDefault.Off,    ModelRules.None,  1024),
        new("claude-sonnet-4-20250514",      64 * K,  M200,    ThinkingSupport.Budget,             ThinkingDefault.Off,    ModelRules.None,  1024),
        new("claude-opus-4-20250514",        32 * K,  M200,    ThinkingSupport.Budget,             ThinkingDefault.Off,    ModelRules.None,  1024),
        new("claude-opus-4-1-20250805",      32 * K,  M200,    ThinkingSupport.Budget,             ThinkingDefault.Off,    Xor,              1024),
        new("claude-sonnet-4-5-20250929",    64 * K,  M200,    ThinkingSupport.Budget,             ThinkingDefault.Off,    Xor,              1024),
        new("claude-haiku-4-5-20251001",     64 * K,  M200,    ThinkingSupport.Budget,             ThinkingDefault.Off,    Xor,              4096),
        new("claude-opus-4-5-20251101",      64 * K,  M200,    ThinkingSupport.Budget,             ThinkingDefault.Off,    Xor,              4096),
        new("claude-opus-4-6",               128 * K, M1,      ThinkingSupport.BudgetAndAdaptive,  ThinkingDefault.Off,    Xor46,            4096),
        new("claude-sonnet-4-6",             128 * K, M1,      ThinkingSupport.BudgetAndAdaptive,  ThinkingDefault.Off,    Xor46,            1024),
        new("claude-opus-4-7",               128 * K, M1,      ThinkingSupport.AdaptiveOnly,       ThinkingDefault.Off,    Modern,           2048),
        new("claude-opus-4-8",               128 * K, M1,      ThinkingSupport.AdaptiveOnly,       ThinkingDefault.Off,    Modern,           1024),
        new("claude-sonnet-5",               128 * K, M1,      ThinkingSupport.AdaptiveOnly,       ThinkingDefault.On,     Modern,           1024),
        new("claude-opus-5",                 128 * K, M1,      ThinkingSupport.AdaptiveOnly,       ThinkingDefault.On,     Modern,            512),
        new("claude-fable-5",                128 * K, M1,      ThinkingSupport.AdaptiveOnly,       ThinkingDefault.Always, Modern,            512),
        new("claude-fable-5-1",              128 * K, M1,      ThinkingSupport.AdaptiveOnly,       ThinkingDefault.Always, Modern,            512),
        new("claude-fable-5-2",              128 * K, M1,      ThinkingSupport.AdaptiveOnly,       ThinkingDefault.Always, Modern,            512),
        new("claude-opus-5-5",               128 * K, M1,      ThinkingSupport.AdaptiveOnly,       ThinkingDefault.Always, Modern,            512),
        new("claude-sonnet-5-5",             128 * K, M1,      ThinkingSupport.AdaptiveOnly,       ThinkingDefault.On,     Modern,            512),
        new("claude-haiku-5-5",              128 * K, M1,      ThinkingSupport.AdaptiveOnly,       ThinkingDefault.On,     Modern,            512),
    ];

    /// <summary>Undated aliases and the snapshot each points to.</summary>
    public static readonly IReadOnlyList<(string Alias, string Snapshot)> Aliases =
    [
        ("claude-3-5-haiku-latest",  "claude-3-5-haiku-20241022"),
        ("claude-3-7-sonnet-latest", "claude-3-7-sonnet-20250219"),
        ("claude-sonnet-4-0",        "claude-sonnet-4-20250514"),
        ("claude-opus-4-0",          "claude-opus-4-20250514"),
        ("claude-opus-4-1",          "claude-opus-4-1-20250805"),
        ("claude-sonnet-4-5",        "claude-sonnet-4-5-20250929"),
        ("claude-haiku-4-5",         "claude-haiku-4-5-20251001"),
        ("claude-opus-4-5",          "claude-opus-4-5-20251101"),
    ];

    private static readonly Dictionary<string, SimulatedModel> ById = Build();

    /// <summary>Every servable id, snapshots first, then aliases.</summary>
    public static IReadOnlyCollection<SimulatedModel> All => ById.Values;

    /// <summary>The model with exactly this id, or null (the real API answers 404 <c>model: &lt;id&gt;</c>).</summary>
    public static SimulatedModel? Find(string id) => ById.GetValueOrDefault(id);

    private static Dictionary<string, SimulatedModel> Build()
    {
        var map = Snapshots.ToDictionary(m => m.Id, StringComparer.Ordinal);
        foreach (var (alias, snapshot) in Aliases)
            map[alias] = map[snapshot] with { Id = alias, SnapshotOf = snapshot };
        return map;
    }
}
