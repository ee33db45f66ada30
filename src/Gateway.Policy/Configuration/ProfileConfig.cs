namespace Gateway.Policy.Configuration;

/// <summary>
/// One project profile, fully resolved (its <c>extends:</c> chain merged in, environment overrides applied).
/// Immutable; part of a <see cref="PolicySnapshot"/>. YAML: <c>policies/profiles/NAME.yaml</c>, schema in <c>policies/schema/</c>.
/// </summary>
public sealed record ProfileConfig
{
    /// <summary>Profile name; <c>default</c> catches every request no other profile matches.</summary>
    public required string Name { get; init; }
    public string? Description { get; init; }
    public ProfileMatch Match { get; init; } = new();
    /// <summary>A key bound to this profile may select another profile by header only when this is true.</summary>
    public bool AllowHeaderOverride { get; init; }
    public ModelsConfig Models { get; init; } = new();
    public CapsConfig Caps { get; init; } = new();
    public BoilerplateConfig Boilerplate { get; init; } = new();
    public RoutingConfig Routing { get; init; } = new();
    public DiffFirstConfig DiffFirst { get; init; } = new();
    public DedupConfig Dedup { get; init; } = new();
    public CacheConfig Cache { get; init; } = new();
    public LimitsConfig Limits { get; init; } = new();
    /// <summary>Script rules of this profile, by id.</summary>
    public IReadOnlyList<RuleRef> Rules { get; init; } = [];
    /// <summary>The ordered pipeline: built-in step ids (<see cref="BuiltInSteps"/>) and <c>rule:ID</c> for scripts. Empty: <see cref="BuiltInSteps.DefaultOrder"/> then the rules in declaration order.</summary>
    public IReadOnlyList<string> Pipeline { get; init; } = [];
    /// <summary>Free-form values scripts read through <c>Profile.Settings</c>.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();
    /// <summary>Rule failures: <c>open</c> (skip the rule, serve the request) or <c>closed</c> (answer 500 policy_error).</summary>
    public FailureMode OnRuleError { get; init; } = FailureMode.Open;
    public SourceLocation Location { get; init; } = SourceLocation.None;
    /// <summary>The parent named by <c>extends:</c> (already merged in), or null.</summary>
    public string? Extends { get; init; }
    /// <summary>The resolved <c>extends</c> chain, nearest parent first (e.g. <c>["default"]</c>); empty for a root profile.</summary>
    public IReadOnlyList<string> Ancestors { get; init; } = [];
    /// <summary>
    /// Dotted YAML key paths (e.g. <c>routing.enabled</c>) set by this profile's own file or by an ancestor other than
    /// <c>default</c>. Seed environment overrides of <c>default</c> reach a profile extending it only through keys not in this set.
    /// </summary>
    public IReadOnlySet<string> LocalKeys { get; init; } = new HashSet<string>();
}

public enum FailureMode { Open, Closed }

/// <summary>How a request is matched to a profile. Keys are stored as SHA-256 hex of the gateway key, never the key itself.</summary>
public sealed record ProfileMatch
{
    /// <summary>Lower-case hex SHA-256 digests of gateway API keys bound to this profile.</summary>
    public IReadOnlyList<string> KeySha256 { get; init; } = [];
    /// <summary>Header name and value selecting this profile, e.g. <c>X-Gateway-Profile: acme</c>.</summary>
    public string? HeaderName { get; init; }
    public string? HeaderValue { get; init; }
    /// <summary>Model prefix selecting this profile, e.g. <c>acme/</c> in <c>acme/claude-sonnet-4-0</c> (the prefix is removed).</summary>
    public string? ModelPrefix { get; init; }
}

/// <summary>The models a profile may use.</summary>
public sealed record ModelsConfig
{
    /// <summary>Allowed model ids (empty: any). A request for another model gets the profile default.</summary>
    public IReadOnlyList<string> Allowed { get; init; } = [];
    /// <summary>Profile default model (null: the gateway's DEFAULT_MODEL).</summary>
    public string? Default { get; init; }
    /// <summary>Profile Opus model (null: the gateway's OPUS_MODEL).</summary>
    public string? Opus { get; init; }
    /// <summary>Extra aliases for this profile (name -> model id).</summary>
    public IReadOnlyDictionary<string, string> Aliases { get; init; } = new Dictionary<string, string>();
}

/// <summary>A cap on one kind of content: keep head and tail, cut the middle, and say what was cut.</summary>
public sealed record ContentCap(int Max, CapUnit Unit = CapUnit.Tokens);

public enum CapUnit { Tokens, Chars }

/// <summary>Truncation caps per kind of content (null: no cap). Never applied to the latest user message.</summary>
public sealed record CapsConfig
{
    public bool Enabled { get; init; } = true;
    public ContentCap? System { get; init; }
    public ContentCap? User { get; init; }
    public ContentCap? ToolResult { get; init; }
    /// <summary>Share of the cap kept from the head (the rest from the tail).</summary>
    public double HeadShare { get; init; } = 0.7;
    /// <summary>The marker put where text was cut; placeholders <c>{cut}</c> (amount), <c>{unit}</c>, <c>{hint}</c>.</summary>
    public string Marker { get; init; } = "[... {cut} {unit} cut by the gateway: {hint} ...]";
    /// <summary>How to get the cut part back (for tool results: re-run the tool with a narrower range).</summary>
    public string ToolResultHint { get; init; } = "re-run the tool with a narrower range or a more specific query to see them";
    public string TextHint { get; init; } = "ask the user for the omitted part if it matters";
}

/// <summary>IDE boilerplate stripping: what IDEs repeat every turn and the model doesn't need.</summary>
public sealed record BoilerplateConfig
{
    public bool Enabled { get; init; } = true;
    public IReadOnlyList<BoilerplatePattern> Patterns { get; init; } = [];
}

/// <summary>One boilerplate pattern: a regex or an exact block, where it applies, and what replaces it (default: nothing).</summary>
public sealed record BoilerplatePattern
{
    public required string Id { get; init; }
    public string? Regex { get; init; }
    public string? Exact { get; init; }
    /// <summary>system, user, assistant (never tool results; never the latest user message).</summary>
    public IReadOnlyList<string> AppliesTo { get; init; } = ["system"];
    public string Replacement { get; init; } = "";
    public string? Description { get; init; }
    public SourceLocation Location { get; init; } = SourceLocation.None;
}

/// <summary>Sonnet/Opus routing heuristics.</summary>
public sealed record RoutingConfig
{
    public bool Enabled { get; init; } = true;
    /// <summary>False: this profile is never upgraded to Opus, whatever the heuristics say.</summary>
    public bool OpusAllowed { get; init; } = true;
    /// <summary>Text markers in the latest user message that ask for Opus (e.g. <c>[opus]</c>).</summary>
    public IReadOnlyList<string> OpusMarkers { get; init; } = ["[opus]", "@opus"];
    /// <summary>Estimated input tokens from which a request counts as long-context (0: off).</summary>
    public int LongContextTokens { get; init; } = 100_000;
    /// <summary>Distinct file paths in play (in recent messages) from which a request counts as many-files (0: off).</summary>
    public int ManyFilesThreshold { get; init; } = 12;
    /// <summary>Regexes (case-insensitive) on the latest user message that mark a hard task: architecture, debugging, refactoring asks.</summary>
    public IReadOnlyList<string> HardTaskPatterns { get; init; } = [];
    /// <summary>Routing is sticky per session unless false.</summary>
    public bool Sticky { get; init; } = true;
    /// <summary>Header carrying the client's session id; without it the session id is derived from the first messages.</summary>
    public string SessionHeader { get; init; } = "X-Session-Id";
}

/// <summary>Diff-first injection: ask for unified diffs instead of whole files when editing.</summary>
public sealed record DiffFirstConfig
{
    public bool Enabled { get; init; }
    public string Instruction { get; init; } = "";
    /// <summary>Regex (case-insensitive) on the latest user message that marks an edit task.</summary>
    public string EditPattern { get; init; } = @"\b(edit|change|fix|refactor|rename|update|modify|implement|add)\b";
}

/// <summary>Tool-result de-duplication (token economy issue).</summary>
public sealed record DedupConfig
{
    public bool Enabled { get; init; } = true;
    /// <summary>Results shorter than this (chars) are never replaced: the reference would not be much shorter.</summary>
    public int MinChars { get; init; } = 400;
    /// <summary>Send a re-read (same header or same tool and arguments) as a unified diff against the previous copy when the diff is small.</summary>
    public bool DiffNearDuplicates { get; init; } = true;
    /// <summary>A near-duplicate becomes a diff only when the diff is shorter than this share of the result's content (0..1).</summary>
    public double DiffMaxRatio { get; init; } = 0.4;
}

/// <summary>Prompt caching and response cache settings (token economy issue).</summary>
public sealed record CacheConfig
{
    public bool PrefixCache { get; init; } = true;
    /// <summary>5m or 1h.</summary>
    public string Ttl { get; init; } = "5m";
    public bool ResponseCache { get; init; } = true;
}

/// <summary>Per-profile limits and budget (limits issue); parsed and validated now, enforced later.</summary>
public sealed record LimitsConfig
{
    public int? RequestsPerMinute { get; init; }
    public int? TokensPerMinute { get; init; }
    public decimal? MonthlyBudgetUsd { get; init; }
}

/// <summary>A script rule: <c>policies/rules/ID.csx</c> (or <see cref="Path"/>), its stage, time and memory budgets and failure mode.</summary>
public sealed record RuleRef
{
    public required string Id { get; init; }
    public required string Path { get; init; }
    public Gateway.Policy.Abstractions.PolicyStage Stage { get; init; } = Gateway.Policy.Abstractions.PolicyStage.Request;
    public int BudgetMs { get; init; } = 50;
    /// <summary>MiB one run may allocate (<c>memory_mb</c>); past it the run is stopped and fails.</summary>
    public int MemoryMb { get; init; } = 64;
    public bool Enabled { get; init; } = true;
    public SourceLocation Location { get; init; } = SourceLocation.None;
}

/// <summary>The built-in pipeline steps, each one YAML feature.</summary>
public static class BuiltInSteps
{
    public const string StripBoilerplate = "strip_boilerplate";
    public const string DedupToolResults = "dedup_tool_results";
    public const string CapContent = "cap_content";
    public const string RouteModel = "route_model";
    public const string DiffFirst = "diff_first";

    public static readonly IReadOnlyList<string> All = [StripBoilerplate, DedupToolResults, CapContent, RouteModel, DiffFirst];
    public static readonly IReadOnlyList<string> DefaultOrder = All;
}
