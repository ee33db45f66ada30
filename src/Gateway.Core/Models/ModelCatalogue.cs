using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Gateway.Core.Models;

/// <summary>
/// The models the gateway knows (<c>policies/models.yaml</c>): limits, prices, parameter rules, the default
/// and Opus model, and the aliases. Immutable once loaded. Loading validates the whole file and reports every
/// error with its line before failing, so one edit fixes them all.
/// </summary>
public sealed class ModelCatalogue
{
    /// <summary>Name of the embedded copy of <c>policies/models.yaml</c>.</summary>
    public const string EmbeddedResourceName = "Gateway.Core.models.yaml";

    private readonly Dictionary<string, ModelEntry> _byId;

    private ModelCatalogue(List<ModelEntry> models, string defaultModel, string opusModel, Dictionary<string, string> aliases)
    {
        Models = models;
        _byId = new Dictionary<string, ModelEntry>(StringComparer.OrdinalIgnoreCase);
        foreach (var m in models)
        {
            _byId[m.Id] = m;
            foreach (var alias in m.ApiAliases) _byId.TryAdd(alias, m);
        }
        DefaultModel = defaultModel;
        OpusModel = opusModel;
        Aliases = aliases;
    }

    public IReadOnlyList<ModelEntry> Models { get; }

    /// <summary><c>defaults.default_model</c>: the current Sonnet, used for unknown and OpenAI model names.</summary>
    public string DefaultModel { get; }

    /// <summary><c>defaults.opus_model</c>: the current Opus.</summary>
    public string OpusModel { get; }

    /// <summary>Alias -> target as written in YAML (<c>default</c>, <c>opus</c> or a model id).</summary>
    public IReadOnlyDictionary<string, string> Aliases { get; }

    public bool TryGet(string modelId, out ModelEntry entry) => _byId.TryGetValue(modelId, out entry!);

    /// <summary>Loads and validates a catalogue file. Throws <see cref="ModelCatalogueException"/> naming <c>file:line</c>.</summary>
    public static ModelCatalogue Load(string yamlPath)
    {
        string text;
        try { text = File.ReadAllText(yamlPath); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelCatalogueException($"{yamlPath}: cannot read model catalogue: {e.Message}", [e.Message]);
        }
        return Parse(text, yamlPath);
    }

    /// <summary>The copy of <c>policies/models.yaml</c> embedded at build time.</summary>
    public static ModelCatalogue LoadDefault()
    {
        using var stream = typeof(ModelCatalogue).Assembly.GetManifestResourceStream(EmbeddedResourceName)
            ?? throw new InvalidOperationException($"Embedded resource {EmbeddedResourceName} is missing from Gateway.Core.");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd(), "models.yaml (embedded)");
    }

    /// <summary>Parses catalogue YAML text; <paramref name="sourceName"/> prefixes error locations.</summary>
    public static ModelCatalogue Parse(string yaml, string sourceName)
    {
        var errors = new List<string>();
        void Error(YamlNode? node, string message) =>
            errors.Add($"{sourceName}:{(node is null ? 1 : node.Start.Line)}: {message}");

        var stream = new YamlStream();
        try { stream.Load(new StringReader(yaml)); }
        catch (YamlException e)
        {
            var msg = $"{sourceName}:{e.Start.Line}: invalid YAML: {e.Message}";
            throw new ModelCatalogueException(msg, [msg]);
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            var msg = $"{sourceName}:1: the catalogue must be a mapping with defaults, aliases and models";
            throw new ModelCatalogueException(msg, [msg]);
        }

        var models = new List<ModelEntry>();
        var ids = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (Child(root, "models") is not YamlSequenceNode modelNodes || modelNodes.Children.Count == 0)
            Error(root, "'models' must be a non-empty list");
        else
            foreach (var node in modelNodes.Children)
            {
                if (node is not YamlMappingNode m) { Error(node, "each model must be a mapping"); continue; }
                var entry = ReadModel(m, Error);
                if (entry is null) continue;
                if (!ids.Add(entry.Id)) Error(m, $"duplicate model id '{entry.Id}'");
                else models.Add(entry);
            }

        string defaultModel = "", opusModel = "";
        if (Child(root, "defaults") is not YamlMappingNode defaults) Error(root, "'defaults' with default_model and opus_model is required");
        else
        {
            defaultModel = RequiredString(defaults, "default_model", Error) ?? "";
            opusModel = RequiredString(defaults, "opus_model", Error) ?? "";
            if (defaultModel.Length > 0 && !ids.Contains(defaultModel)) Error(Child(defaults, "default_model"), $"default_model '{defaultModel}' is not a model in the catalogue");
            if (opusModel.Length > 0 && !ids.Contains(opusModel)) Error(Child(defaults, "opus_model"), $"opus_model '{opusModel}' is not a model in the catalogue");
        }

        var aliases = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        switch (Child(root, "aliases"))
        {
            case null: break;
            case YamlMappingNode aliasNodes:
                foreach (var (k, v) in aliasNodes.Children)
                {
                    var name = (k as YamlScalarNode)?.Value;
                    var target = (v as YamlScalarNode)?.Value;
                    if (string.IsNullOrWhiteSpace(name) || string.IsNullOrWhiteSpace(target)) { Error(k, "an alias needs a name and a target"); continue; }
                    if (target is not ("default" or "opus") && !ids.Contains(target)) { Error(v, $"alias '{name}' targets '{target}', which is neither default, opus nor a catalogue id"); continue; }
                    if (ids.Contains(name)) { Error(k, $"alias '{name}' shadows a model id"); continue; }
                    if (!aliases.TryAdd(name, target)) Error(k, $"duplicate alias '{name}'");
                }
                break;
            case var other: Error(other, "'aliases' must be a mapping of name: target"); break;
        }

        if (errors.Count > 0)
            throw new ModelCatalogueException($"Invalid model catalogue ({errors.Count} error(s)):{Environment.NewLine}{string.Join(Environment.NewLine, errors)}", errors);
        return new ModelCatalogue(models, defaultModel, opusModel, aliases);
    }

    private static ModelEntry? ReadModel(YamlMappingNode m, Action<YamlNode?, string> error)
    {
        var failed = false;
        void Fail(YamlNode? n, string msg) { failed = true; error(n, msg); }

        var id = RequiredString(m, "id", Fail);
        var display = OptionalString(m, "display_name", Fail) ?? id ?? "";
        var context = RequiredInt(m, "context_window", Fail);
        var maxOut = RequiredInt(m, "max_output_tokens", Fail);
        var minCache = RequiredInt(m, "min_cacheable_tokens", Fail);
        ModelPrices? prices = null;
        if (Child(m, "prices") is not YamlMappingNode p) Fail(m, $"model '{id}': 'prices' (input, output, cache_write_5m, cache_write_1h, cache_read) is required");
        else
            prices = new ModelPrices(
                RequiredPrice(p, "input", Fail), RequiredPrice(p, "output", Fail), RequiredPrice(p, "cache_write_5m", Fail),
                RequiredPrice(p, "cache_write_1h", Fail), RequiredPrice(p, "cache_read", Fail));
        var rules = ReadRules(Child(m, "rules"), id, Fail);
        var apiAliases = new List<string>();
        switch (Child(m, "api_aliases"))
        {
            case null: break;
            case YamlSequenceNode seq:
                foreach (var item in seq.Children)
                {
                    if (item is YamlScalarNode { Value: { Length: > 0 } alias } && System.Text.RegularExpressions.Regex.IsMatch(alias, "^[a-z0-9][a-z0-9.-]*$")) apiAliases.Add(alias);
                    else Fail(item, $"model '{id}': api_aliases entries must be model ids (lower-case letters, digits, '.' and '-')");
                }
                break;
            case var other: Fail(other, $"model '{id}': 'api_aliases' must be a list of ids"); break;
        }

        if (id is not null && !System.Text.RegularExpressions.Regex.IsMatch(id, "^[a-z0-9][a-z0-9.-]*$"))
            Fail(Child(m, "id"), $"model id '{id}' must be lower-case letters, digits, '.' and '-'");
        if (maxOut > context && context > 0) Fail(Child(m, "max_output_tokens"), $"model '{id}': max_output_tokens exceeds context_window");
        if (failed || id is null || prices is null) return null;
        return new ModelEntry(id, display, context, maxOut, prices, minCache, rules) { ApiAliases = apiAliases };
    }

    private static ModelParameterRules ReadRules(YamlNode? node, string? id, Action<YamlNode?, string> fail)
    {
        var rules = new ModelParameterRules();
        if (node is null) return rules;
        if (node is not YamlMappingNode r) { fail(node, $"model '{id}': 'rules' must be a mapping"); return rules; }
        foreach (var (k, v) in r.Children)
        {
            var key = (k as YamlScalarNode)?.Value ?? "";
            var value = (v as YamlScalarNode)?.Value ?? "";
            bool Choice(string allowed, string other) =>
                value == other ? true : value == allowed ? false : Bad($"'{allowed}' or '{other}'");
            bool Bad(string expected) { fail(v, $"model '{id}': rule {key}: '{value}' is not {expected}"); return false; }
            switch (key)
            {
                case "thinking":
                    rules = rules with { Thinking = value switch { "none" => ThinkingMode.None, "manual" => ThinkingMode.Manual, "adaptive" => ThinkingMode.Adaptive, _ => Fallback(ThinkingMode.Manual, "none, manual or adaptive") } };
                    break;
                case "thinking_default":
                    rules = rules with { ThinkingDefault = value switch { "off" => ThinkingDefault.Off, "on" => ThinkingDefault.On, "always" => ThinkingDefault.Always, _ => Fallback(ThinkingDefault.Off, "off, on or always") } };
                    break;
                case "effort": rules = rules with { EffortSupported = Choice("none", "supported") }; break;
                case "temperature_and_top_p": rules = rules with { TemperatureAndTopPExclusive = Choice("allowed", "exclusive") }; break;
                case "sampling_params": rules = rules with { SamplingParamsRejected = Choice("allowed", "rejected") }; break;
                case "forced_tool_choice": rules = rules with { ForcedToolChoiceRejected = Choice("allowed", "rejected") }; break;
                case "forced_tool_choice_with_thinking": rules = rules with { ForcedToolChoiceWithThinkingRejected = Choice("allowed", "rejected") }; break;
                case "assistant_prefill": rules = rules with { AssistantPrefillRejected = Choice("allowed", "rejected") }; break;
                default: fail(k, $"model '{id}': unknown rule '{key}'"); break;
            }

            T Fallback<T>(T value2, string expected) { Bad(expected); return value2; }
        }
        if (rules.Thinking == ThinkingMode.None && rules.ThinkingDefault != ThinkingDefault.Off)
            fail(r, $"model '{id}': thinking_default must be off when thinking is none");
        return rules;
    }

    private static YamlNode? Child(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var v) ? v : null;

    private static string? OptionalString(YamlMappingNode map, string key, Action<YamlNode?, string> error)
    {
        var node = Child(map, key);
        if (node is null) return null;
        if (node is YamlScalarNode { Value: { Length: > 0 } s }) return s;
        error(node, $"'{key}' must be a non-empty string");
        return null;
    }

    private static string? RequiredString(YamlMappingNode map, string key, Action<YamlNode?, string> error)
    {
        if (Child(map, key) is null) { error(map, $"'{key}' is required"); return null; }
        return OptionalString(map, key, error);
    }

    private static int RequiredInt(YamlMappingNode map, string key, Action<YamlNode?, string> error)
    {
        var node = Child(map, key);
        if (node is YamlScalarNode { Value: { } s } && int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v > 0) return v;
        error(node ?? map, $"'{key}' must be a positive integer");
        return 0;
    }

    private static decimal RequiredPrice(YamlMappingNode map, string key, Action<YamlNode?, string> error)
    {
        var node = Child(map, key);
        if (node is YamlScalarNode { Value: { } s } && decimal.TryParse(s, NumberStyles.Number, CultureInfo.InvariantCulture, out var v) && v >= 0) return v;
        error(node ?? map, $"price '{key}' must be a non-negative number (USD per million tokens)");
        return 0;
    }
}
