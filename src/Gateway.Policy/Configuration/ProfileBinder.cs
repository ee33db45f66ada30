using System.Text.RegularExpressions;
using Gateway.Policy.Abstractions;
using YamlDotNet.RepresentationModel;

namespace Gateway.Policy.Configuration;

/// <summary>
/// Binds one profile's (merged) YAML tree to a <see cref="ProfileConfig"/> by hand, section by section, starting from the
/// records' defaults. Every invalid value is reported at its position and left at its default, so binding never stops early.
/// </summary>
internal sealed partial class ProfileBinder(YamlReader r)
{
    /// <summary>Regexes from policy files are compiled once here to prove they are valid; the pipeline compiles its own with this timeout.</summary>
    public static readonly TimeSpan RegexTimeout = TimeSpan.FromMilliseconds(100);

    public ProfileConfig Bind(YamlMappingNode root, string name)
    {
        r.Section(root, "", "");
        var defaults = new ProfileConfig { Name = name };
        var rules = Rules(YamlSource.Find(root, "rules"));
        var profile = defaults with
        {
            Description = r.String(root, "description", "", nullable: true),
            Match = Match(YamlSource.Find(root, "match")),
            AllowHeaderOverride = r.Bool(root, "allow_header_override", "") ?? defaults.AllowHeaderOverride,
            Models = Models(YamlSource.Find(root, "models")),
            Caps = Caps(YamlSource.Find(root, "caps")),
            Boilerplate = Boilerplate(YamlSource.Find(root, "boilerplate")),
            Routing = Routing(YamlSource.Find(root, "routing")),
            DiffFirst = DiffFirst(YamlSource.Find(root, "diff_first")),
            Dedup = Dedup(YamlSource.Find(root, "dedup")),
            Cache = Cache(YamlSource.Find(root, "cache")),
            Limits = Limits(YamlSource.Find(root, "limits")),
            Rules = rules,
            Pipeline = Pipeline(YamlSource.Find(root, "pipeline"), rules),
            Settings = r.FreeMap(YamlSource.Find(root, "settings"), "settings") ?? defaults.Settings,
            OnRuleError = r.Enum(root, "on_rule_error", "", "open", "closed") switch
            {
                "closed" => FailureMode.Closed,
                "open" => FailureMode.Open,
                _ => defaults.OnRuleError,
            },
            Location = r.Location(root),
        };
        return profile;
    }

    private ProfileMatch Match(YamlNode? node)
    {
        var m = r.Section(node, "match", "match");
        var d = new ProfileMatch();
        if (m is null) return d;
        var keys = new List<string>();
        foreach (var (value, item) in r.StringList(m, "key_sha256", "match") ?? [])
        {
            if (value.Length == 64 && value.All(Uri.IsHexDigit)) keys.Add(value.ToLowerInvariant());
            else r.Error(item, $"match.key_sha256: '{value}' is not a SHA-256 digest (64 hex digits); hash the key with `printf %s KEY | sha256sum`");
        }
        string? headerName = null, headerValue = null;
        if (r.Section(YamlSource.Find(m, "header"), "match.header", "match.header") is { } h)
        {
            headerName = r.String(h, "name", "match.header") ?? "X-Gateway-Profile";
            if (!HeaderNameRegex().IsMatch(headerName)) r.Error(YamlSource.Find(h, "name")!, $"match.header.name: '{headerName}' is not a valid header name");
            headerValue = r.String(h, "value", "match.header");
            if (YamlSource.Find(h, "value") is null) r.Error(h, "match.header: 'value' is required (the header value that selects this profile)");
            else if (string.IsNullOrWhiteSpace(headerValue)) { r.Error(YamlSource.Find(h, "value")!, "match.header.value: must not be empty"); headerValue = null; }
        }
        var prefix = r.String(m, "model_prefix", "match", nullable: true);
        if (prefix is not null && !PrefixRegex().IsMatch(prefix))
        {
            r.Error(YamlSource.Find(m, "model_prefix")!, $"match.model_prefix: '{prefix}' must be a name followed by '/', e.g. 'acme/'");
            prefix = null;
        }
        return new ProfileMatch { KeySha256 = keys, HeaderName = headerValue is null ? null : headerName, HeaderValue = headerValue, ModelPrefix = prefix };
    }

    private ModelsConfig Models(YamlNode? node)
    {
        var m = r.Section(node, "models", "models");
        var d = new ModelsConfig();
        if (m is null) return d;
        var allowed = r.StringList(m, "allowed", "models")?.Select(x => x.Value).ToList();
        var result = d with
        {
            Allowed = allowed ?? d.Allowed,
            Default = r.String(m, "default", "models", nullable: true),
            Opus = r.String(m, "opus", "models", nullable: true),
            Aliases = r.FreeMap(YamlSource.Find(m, "aliases"), "models.aliases") ?? d.Aliases,
        };
        if (result.Allowed.Count > 0 && result.Default is { } def && !result.Allowed.Contains(def))
            r.Error(YamlSource.Find(m, "default")!, $"models.default: '{def}' is not in models.allowed ({string.Join(", ", result.Allowed)})");
        return result;
    }

    private CapsConfig Caps(YamlNode? node)
    {
        var m = r.Section(node, "caps", "caps");
        var d = new CapsConfig();
        if (m is null) return d;
        return d with
        {
            Enabled = r.Bool(m, "enabled", "caps") ?? d.Enabled,
            System = YamlSource.Find(m, "system") is { } s ? Cap(s, "system") : d.System,
            User = YamlSource.Find(m, "user") is { } u ? Cap(u, "user") : d.User,
            ToolResult = YamlSource.Find(m, "tool_result") is { } t ? Cap(t, "tool_result") : d.ToolResult,
            HeadShare = HeadShare(m) ?? d.HeadShare,
            Marker = r.String(m, "marker", "caps") ?? d.Marker,
            ToolResultHint = r.String(m, "tool_result_hint", "caps") ?? d.ToolResultHint,
            TextHint = r.String(m, "text_hint", "caps") ?? d.TextHint,
        };
    }

    private ContentCap? Cap(YamlNode node, string kind)
    {
        var path = "caps." + kind;
        var m = r.Section(node, path, path);
        if (m is null) return null;
        var maxNode = YamlSource.Find(m, "max");
        if (maxNode is null)
        {
            r.Error(m, $"{path}: 'max' is required (or set {path}: null for no cap)");
            return null;
        }
        var max = r.Int(maxNode, path + ".max", 1);
        var unit = r.Enum(m, "unit", path, "tokens", "chars") == "chars" ? CapUnit.Chars : CapUnit.Tokens;
        return max is null ? null : new ContentCap(max.Value, unit);
    }

    private double? HeadShare(YamlMappingNode m)
    {
        var share = r.Decimal(m, "head_share", "caps", 0m, 1m);
        return share is null ? null : (double)share.Value;
    }

    private BoilerplateConfig Boilerplate(YamlNode? node)
    {
        var m = r.Section(node, "boilerplate", "boilerplate");
        var d = new BoilerplateConfig();
        if (m is null) return d;
        var patterns = new List<BoilerplatePattern>();
        if (YamlSource.Find(m, "patterns") is { } pn && r.Sequence(pn, "boilerplate.patterns") is { } items)
        {
            var ids = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < items.Count; i++)
                if (Pattern(items[i], $"boilerplate.patterns[{i}]") is { } p)
                {
                    if (!ids.Add(p.Id)) r.Error(YamlSource.Find((YamlMappingNode)items[i], "id")!, $"boilerplate.patterns[{i}].id: duplicate pattern id '{p.Id}'");
                    patterns.Add(p);
                }
        }
        return d with { Enabled = r.Bool(m, "enabled", "boilerplate") ?? d.Enabled, Patterns = patterns };
    }

    private BoilerplatePattern? Pattern(YamlNode node, string path)
    {
        var m = r.Section(node, path, "boilerplate.patterns[]");
        if (m is null)
        {
            if (YamlSource.IsNull(node)) r.Error(node, $"{path}: expected a pattern (id, regex or exact, applies_to), got null");
            return null;
        }
        var id = r.String(m, "id", path);
        if (YamlSource.Find(m, "id") is null) r.Error(m, $"{path}: 'id' is required");
        else if (id is not null && !IdRegex().IsMatch(id)) r.Error(YamlSource.Find(m, "id")!, $"{path}.id: '{id}' must be lower-case letters, digits, '-', '_' or '.'");
        var regex = r.String(m, "regex", path);
        var exact = r.String(m, "exact", path);
        if (YamlSource.Find(m, "regex") is null == (YamlSource.Find(m, "exact") is null))
            r.Error(m, $"{path}: give exactly one of 'regex' or 'exact'");
        if (regex is not null) CheckRegex(YamlSource.Find(m, "regex")!, path + ".regex", regex, RegexOptions.None);
        if (exact is not null && exact.Length == 0) r.Error(YamlSource.Find(m, "exact")!, $"{path}.exact: must not be empty");
        var appliesTo = new List<string>();
        foreach (var (v, item) in r.StringList(m, "applies_to", path) ?? [])
        {
            if (v is "system" or "user" or "assistant") appliesTo.Add(v);
            else r.Error(item, $"{path}.applies_to: '{v}' is not one of system, user, assistant (tool results are never stripped)");
        }
        if (YamlSource.Find(m, "applies_to") is { } an && appliesTo.Count == 0 && r.Sequence(an, path) is { Count: 0 })
            r.Error(an, $"{path}.applies_to: must name at least one of system, user, assistant");
        var d = new BoilerplatePattern { Id = id ?? "" };
        return d with
        {
            Regex = regex,
            Exact = exact,
            AppliesTo = YamlSource.Find(m, "applies_to") is null ? d.AppliesTo : appliesTo,
            Replacement = r.String(m, "replacement", path) ?? d.Replacement,
            Description = r.String(m, "description", path, nullable: true),
            Location = r.Location(m),
        };
    }

    private RoutingConfig Routing(YamlNode? node)
    {
        var m = r.Section(node, "routing", "routing");
        var d = new RoutingConfig();
        if (m is null) return d;
        var hard = r.StringList(m, "hard_task_patterns", "routing");
        foreach (var (p, n) in hard ?? []) CheckRegex(n, "routing.hard_task_patterns", p, RegexOptions.IgnoreCase);
        var markers = r.StringList(m, "opus_markers", "routing");
        foreach (var (v, n) in markers ?? [])
            if (string.IsNullOrWhiteSpace(v)) r.Error(n, "routing.opus_markers: a marker must not be empty");
        var header = r.String(m, "session_header", "routing");
        if (header is not null && !HeaderNameRegex().IsMatch(header))
        {
            r.Error(YamlSource.Find(m, "session_header")!, $"routing.session_header: '{header}' is not a valid header name");
            header = null;
        }
        return d with
        {
            Enabled = r.Bool(m, "enabled", "routing") ?? d.Enabled,
            OpusAllowed = r.Bool(m, "opus_allowed", "routing") ?? d.OpusAllowed,
            OpusMarkers = markers?.Select(x => x.Value).ToList() ?? d.OpusMarkers,
            LongContextTokens = r.Int(m, "long_context_tokens", "routing", 0) ?? d.LongContextTokens,
            ManyFilesThreshold = r.Int(m, "many_files_threshold", "routing", 0) ?? d.ManyFilesThreshold,
            HardTaskPatterns = hard?.Select(x => x.Value).ToList() ?? d.HardTaskPatterns,
            Sticky = r.Bool(m, "sticky", "routing") ?? d.Sticky,
            SessionHeader = header ?? d.SessionHeader,
        };
    }

    private DiffFirstConfig DiffFirst(YamlNode? node)
    {
        var m = r.Section(node, "diff_first", "diff_first");
        var d = new DiffFirstConfig();
        if (m is null) return d;
        var edit = r.String(m, "edit_pattern", "diff_first");
        if (edit is not null) CheckRegex(YamlSource.Find(m, "edit_pattern")!, "diff_first.edit_pattern", edit, RegexOptions.IgnoreCase);
        var result = d with
        {
            Enabled = r.Bool(m, "enabled", "diff_first") ?? d.Enabled,
            Instruction = r.String(m, "instruction", "diff_first") ?? d.Instruction,
            EditPattern = edit ?? d.EditPattern,
        };
        if (result.Enabled && string.IsNullOrWhiteSpace(result.Instruction))
            r.Error(YamlSource.Find(m, "enabled")!, "diff_first: enabled without an 'instruction' text");
        return result;
    }

    private DedupConfig Dedup(YamlNode? node)
    {
        var m = r.Section(node, "dedup", "dedup");
        var d = new DedupConfig();
        if (m is null) return d;
        return d with
        {
            Enabled = r.Bool(m, "enabled", "dedup") ?? d.Enabled,
            MinChars = r.Int(m, "min_chars", "dedup", 0) ?? d.MinChars,
            DiffNearDuplicates = r.Bool(m, "diff_near_duplicates", "dedup") ?? d.DiffNearDuplicates,
            DiffMaxRatio = r.Decimal(m, "diff_max_ratio", "dedup", 0m, 1m) is { } ratio ? (double)ratio : d.DiffMaxRatio,
        };
    }

    private CacheConfig Cache(YamlNode? node)
    {
        var m = r.Section(node, "cache", "cache");
        var d = new CacheConfig();
        if (m is null) return d;
        return d with
        {
            PrefixCache = r.Bool(m, "prefix_cache", "cache") ?? d.PrefixCache,
            Ttl = r.Enum(m, "ttl", "cache", "5m", "1h") ?? d.Ttl,
            ResponseCache = r.Bool(m, "response_cache", "cache") ?? d.ResponseCache,
        };
    }

    private LimitsConfig Limits(YamlNode? node)
    {
        var m = r.Section(node, "limits", "limits");
        if (m is null) return new LimitsConfig();
        return new LimitsConfig
        {
            RequestsPerMinute = r.Int(m, "requests_per_minute", "limits", 1),
            TokensPerMinute = r.Int(m, "tokens_per_minute", "limits", 1),
            MonthlyBudgetUsd = r.Decimal(m, "monthly_budget_usd", "limits", 0m, 100_000_000m),
        };
    }

    private List<RuleRef> Rules(YamlNode? node)
    {
        var result = new List<RuleRef>();
        if (node is null || r.Sequence(node, "rules") is not { } items) return result;
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++)
        {
            var path = $"rules[{i}]";
            var m = r.Section(items[i], path, "rules[]");
            if (m is null)
            {
                if (YamlSource.IsNull(items[i])) r.Error(items[i], $"{path}: expected a rule (id, path, stage), got null");
                continue;
            }
            var idNode = YamlSource.Find(m, "id");
            var id = r.String(m, "id", path);
            if (idNode is null) { r.Error(m, $"{path}: 'id' is required"); continue; }
            if (id is null) continue;
            if (!IdRegex().IsMatch(id)) r.Error(idNode, $"{path}.id: '{id}' must be lower-case letters, digits, '-', '_' or '.'");
            if (!ids.Add(id)) r.Error(idNode, $"{path}.id: duplicate rule id '{id}'");
            var rulePath = r.String(m, "path", path) ?? $"rules/{id}.csx";
            var pathNode = YamlSource.Find(m, "path");
            if (pathNode is not null && !RulePathRegex().IsMatch(rulePath))
                r.Error(pathNode, $"{path}.path: '{rulePath}' must be a relative path under rules/ ending in .csx (no '..')");
            var stage = r.Enum(m, "stage", path, "request", "response") == "response" ? PolicyStage.Response : PolicyStage.Request;
            var d = new RuleRef { Id = id, Path = rulePath };
            result.Add(d with
            {
                Stage = stage,
                BudgetMs = r.Int(m, "budget_ms", path, 1, 10_000) ?? d.BudgetMs,
                MemoryMb = r.Int(m, "memory_mb", path, 1, 1024) ?? d.MemoryMb,
                Enabled = r.Bool(m, "enabled", path) ?? d.Enabled,
                Location = r.Location(pathNode ?? idNode),
            });
        }
        return result;
    }

    private List<string> Pipeline(YamlNode? node, List<RuleRef> rules)
    {
        var result = new List<string>();
        if (node is null) return result;
        var items = r.Sequence(node, "pipeline");
        if (items is null) return result;
        for (var i = 0; i < items.Count; i++)
        {
            if (r.String(items[i], $"pipeline[{i}]") is not { } step) continue;
            if (step.StartsWith("rule:", StringComparison.Ordinal))
            {
                if (!rules.Any(x => x.Id == step[5..]))
                    r.Error(items[i], $"pipeline[{i}]: '{step}' names no rule of this profile (add it under 'rules:' or remove the step)");
            }
            else if (!BuiltInSteps.All.Contains(step))
            {
                r.Error(items[i], $"pipeline[{i}]: unknown step '{step}'; built-in steps: {string.Join(", ", BuiltInSteps.All)}; scripts: rule:ID");
                continue;
            }
            if (result.Contains(step)) r.Error(items[i], $"pipeline[{i}]: step '{step}' is listed twice");
            else result.Add(step);
        }
        return result;
    }

    private void CheckRegex(YamlNode node, string path, string pattern, RegexOptions options)
    {
        try
        {
            _ = new Regex(pattern, options, RegexTimeout);
        }
        catch (ArgumentException e)
        {
            r.Error(node, $"{path}: invalid regex '{pattern}': {e.Message}");
        }
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9_.-]*$")]
    internal static partial Regex IdRegex();

    [GeneratedRegex("^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")]
    private static partial Regex HeaderNameRegex();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]*/$")]
    private static partial Regex PrefixRegex();

    [GeneratedRegex(@"^rules/(?!.*\.\.)[A-Za-z0-9_./-]+\.csx$")]
    private static partial Regex RulePathRegex();
}
