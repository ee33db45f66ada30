using Gateway.Policy.Abstractions;
using Gateway.Policy.Configuration;
using Gateway.Policy.Pipeline;
using Gateway.Policy.Snapshots;

namespace Gateway.Policy.BuiltIn;

/// <summary>
/// Builds a profile's ordered steps once per snapshot: built-in steps from the profile's configuration and script steps from a
/// lookup, interleaved in the order of <see cref="ProfileConfig.Pipeline"/> (empty: <see cref="BuiltInSteps.DefaultOrder"/>, then the
/// profile's rules in declaration order).
/// <list type="bullet">
/// <item>A built-in whose feature is off (<c>enabled: false</c>, no patterns, no caps, no instruction) gives no step.</item>
/// <item><c>rule:ID</c> entries go to <c>scriptLookup(ID)</c>; null means "no step" (e.g. the rule is disabled) — the snapshot builder
///   reports unknown rule ids itself.</item>
/// <item>An unknown built-in id or a repeated entry is an <see cref="ArgumentException"/> (the loader reports them with positions first).</item>
/// </list>
/// </summary>
public static class BuiltInStepFactory
{
    public const string RulePrefix = "rule:";

    public static IReadOnlyList<IPolicyStep> Create(ProfileConfig profile, Func<string, IPolicyStep?> scriptLookup, BuiltInStepOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(scriptLookup);
        options ??= BuiltInStepOptions.Default;
        // Load the tokenizer's vocabulary now, at snapshot build, not inside the first request's time budget.
        _ = Tokens.TiktokenEstimator.Instance.Count("warm up");
        var order = profile.Pipeline.Count > 0
            ? profile.Pipeline
            : [.. BuiltInSteps.DefaultOrder, .. profile.Rules.Select(r => RulePrefix + r.Id)];
        var steps = new List<IPolicyStep>(order.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in order)
        {
            if (!seen.Add(entry)) throw new ArgumentException($"Profile '{profile.Name}': pipeline entry '{entry}' appears twice.", nameof(profile));
            var step = entry.StartsWith(RulePrefix, StringComparison.Ordinal)
                ? scriptLookup(entry[RulePrefix.Length..])
                : CreateBuiltIn(profile, entry, options);
            if (step is not null) steps.Add(step);
        }
        return steps;
    }

    /// <summary>The profile's steps split by stage, ready for a snapshot.</summary>
    public static CompiledProfile Compile(ProfileConfig profile, Func<string, IPolicyStep?> scriptLookup, BuiltInStepOptions? options = null)
    {
        var steps = Create(profile, scriptLookup, options);
        return new CompiledProfile(profile,
            steps.Where(s => s.Stage == PolicyStage.Request).ToList(),
            steps.Where(s => s.Stage == PolicyStage.Response).ToList());
    }

    /// <summary>One built-in step, or null when its feature is off. Unknown ids throw.</summary>
    public static IPolicyStep? CreateBuiltIn(ProfileConfig profile, string id, BuiltInStepOptions? options = null)
    {
        options ??= BuiltInStepOptions.Default;
        return id switch
        {
            BuiltInSteps.StripBoilerplate => profile.Boilerplate is { Enabled: true, Patterns.Count: > 0 } b ? new BoilerplateStripStep(b, options) : null,
            BuiltInSteps.CapContent => profile.Caps is { Enabled: true } c && (c.System ?? c.User ?? c.ToolResult) is not null ? new ContentCapStep(c, options) : null,
            BuiltInSteps.RouteModel => profile.Routing is { Enabled: true } r ? new OpusRoutingStep(r, options) : null,
            BuiltInSteps.DiffFirst => profile.DiffFirst is { Enabled: true } d && !string.IsNullOrWhiteSpace(d.Instruction) ? new DiffFirstStep(d, options) : null,
            BuiltInSteps.DedupToolResults => profile.Dedup is { Enabled: true } dd ? new ToolResultDedupStep(dd, options) : null,
            _ => throw new ArgumentException($"Profile '{profile.Name}': unknown pipeline step '{id}' (built-ins: {string.Join(", ", BuiltInSteps.All)}; scripts: rule:ID).", nameof(id)),
        };
    }
}
