namespace Gateway.Core.Models;

/// <summary>
/// Maps the client's <c>model</c> to an Anthropic model id. Claude ids pass through even when not in the
/// catalogue (the upstream decides); aliases map to their target; anything else (null, empty, unknown
/// OpenAI names) goes to the default model, so clients hard-wired to <c>gpt-4o</c> keep working.
/// </summary>
public sealed class ModelResolver
{
    private readonly ModelCatalogue _catalogue;
    private readonly string _defaultModel;
    private readonly Dictionary<string, string> _aliases;

    /// <param name="aliases">Alias -> target; a target of <c>default</c> or <c>opus</c> means <paramref name="defaultModel"/> / <paramref name="opusModel"/>.</param>
    public ModelResolver(ModelCatalogue catalogue, string defaultModel, string opusModel, IReadOnlyDictionary<string, string> aliases)
    {
        ArgumentNullException.ThrowIfNull(catalogue);
        ArgumentException.ThrowIfNullOrWhiteSpace(defaultModel);
        ArgumentException.ThrowIfNullOrWhiteSpace(opusModel);
        _catalogue = catalogue;
        _defaultModel = defaultModel;
        _aliases = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (alias, target) in aliases)
            _aliases[alias] = target switch
            {
                "default" => defaultModel,
                "opus" => opusModel,
                _ => target,
            };
    }

    /// <summary>A resolver built from the catalogue's own defaults and aliases.</summary>
    public static ModelResolver FromCatalogue(ModelCatalogue catalogue) =>
        new(catalogue, catalogue.DefaultModel, catalogue.OpusModel, catalogue.Aliases);

    public ModelResolution Resolve(string? requestedModel)
    {
        var requested = requestedModel?.Trim();
        if (string.IsNullOrEmpty(requested)) return new(_defaultModel, ModelResolution.Default);
        if (_catalogue.TryGet(requested, out var entry)) return new(entry.Id, ModelResolution.Requested);
        if (_aliases.TryGetValue(requested, out var target)) return new(target, ModelResolution.Alias);
        if (requested.StartsWith("claude-", StringComparison.OrdinalIgnoreCase)) return new(requested, ModelResolution.Requested);
        return new(_defaultModel, ModelResolution.Default);
    }

    /// <summary>For <c>GET /v1/models</c>: catalogue ids (catalogue order), then alias names (sorted).</summary>
    public IReadOnlyList<string> ListedModelIds()
    {
        var ids = new List<string>(_catalogue.Models.Count + _aliases.Count);
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var m in _catalogue.Models) if (seen.Add(m.Id)) ids.Add(m.Id);
        foreach (var m in _catalogue.Models)
            foreach (var alias in m.ApiAliases) if (seen.Add(alias)) ids.Add(alias);
        foreach (var a in _aliases.Keys.Order(StringComparer.Ordinal)) if (seen.Add(a)) ids.Add(a);
        return ids;
    }
}
