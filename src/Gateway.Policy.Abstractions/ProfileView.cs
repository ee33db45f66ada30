namespace Gateway.Policy.Abstractions;

/// <summary>The profile in force for this request, as rules see it: its name, its models and its free-form settings.</summary>
public sealed class ProfileView
{
    internal ProfileView(string name, string defaultModel, string opusModel, bool opusAllowed, IReadOnlyList<string> allowedModels, IReadOnlyDictionary<string, string> settings)
    {
        Name = name;
        DefaultModel = defaultModel;
        OpusModel = opusModel;
        OpusAllowed = opusAllowed;
        AllowedModels = allowedModels;
        Settings = settings;
    }

    /// <summary>The profile's name (<c>default</c> for the catch-all).</summary>
    public string Name { get; }

    /// <summary>The profile's default model.</summary>
    public string DefaultModel { get; }

    /// <summary>The profile's Opus model (the target of upgrades).</summary>
    public string OpusModel { get; }

    /// <summary>False when this profile may never be routed to Opus; <see cref="PolicyContext.RouteTo"/> refuses then.</summary>
    public bool OpusAllowed { get; }

    /// <summary>Models this profile may use (empty: any).</summary>
    public IReadOnlyList<string> AllowedModels { get; }

    /// <summary>The profile's <c>settings:</c> map from YAML: values for script rules, as strings.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; }

    /// <summary>A setting as an integer, or <paramref name="fallback"/>.</summary>
    public int Int(string key, int fallback) => Settings.TryGetValue(key, out var v) && int.TryParse(v, out var n) ? n : fallback;

    /// <summary>A setting as a switch (true/false/1/0/yes/no/on/off), or <paramref name="fallback"/>.</summary>
    public bool Flag(string key, bool fallback) => Settings.TryGetValue(key, out var v)
        ? v.Trim().ToLowerInvariant() is "1" or "true" or "yes" or "on"
        : fallback;

    /// <summary>True when <paramref name="model"/> is allowed by this profile.</summary>
    public bool Allows(string model) => AllowedModels.Count == 0 || AllowedModels.Contains(model, StringComparer.Ordinal);
}
