using Gateway.Core.Models;
using Gateway.Policy.Configuration;
using Gateway.Policy.Pipeline;

namespace Gateway.Policy.Snapshots;

/// <summary>A policy file that went into a snapshot: path relative to the policy directory and its SHA-256 (hex).</summary>
public sealed record PolicyFile(string Path, string Sha256);

/// <summary>A profile ready to run: its resolved configuration and its ordered request and response steps.</summary>
public sealed record CompiledProfile(ProfileConfig Config, IReadOnlyList<IPolicyStep> RequestSteps, IReadOnlyList<IPolicyStep> ResponseSteps)
{
    public string Name => Config.Name;
}

/// <summary>
/// Everything loaded from the policy directory, validated and compiled, as one immutable value. The store swaps snapshots
/// atomically; a request reads the current snapshot once and keeps it to the end, so a reload never changes a request midway.
/// </summary>
public sealed class PolicySnapshot
{
    public PolicySnapshot(string version, DateTimeOffset loadedAt, IReadOnlyList<PolicyFile> files, IReadOnlyList<CompiledProfile> profiles,
        IReadOnlyList<PolicyDiagnostic> warnings, IReadOnlyList<object>? ownedResources = null, ModelCatalogue? catalogue = null)
    {
        Catalogue = catalogue ?? EmbeddedCatalogue.Value;
        Version = version;
        LoadedAt = loadedAt;
        Files = files;
        Profiles = profiles;
        ProfileConfigs = profiles.Select(p => p.Config).ToList();
        Warnings = warnings;
        OwnedResources = ownedResources ?? [];
        Default = profiles.FirstOrDefault(p => p.Name == "default")
            ?? throw new ArgumentException("A snapshot needs a 'default' profile.", nameof(profiles));
    }

    private static readonly Lazy<ModelCatalogue> EmbeddedCatalogue = new(ModelCatalogue.LoadDefault);

    /// <summary>The model catalogue of this snapshot (<c>models.yaml</c> of the policy directory, else the embedded copy): it reloads with the policies.</summary>
    public ModelCatalogue Catalogue { get; }

    /// <summary>Short hash of every file's path and content: <c>X-Policy-Version</c>.</summary>
    public string Version { get; }
    public DateTimeOffset LoadedAt { get; }
    public IReadOnlyList<PolicyFile> Files { get; }
    public IReadOnlyList<CompiledProfile> Profiles { get; }
    public CompiledProfile Default { get; }

    /// <summary>The profiles' configurations, in order: what profile selection reads on every request, built once.</summary>
    public IReadOnlyList<ProfileConfig> ProfileConfigs { get; }
    public IReadOnlyList<PolicyDiagnostic> Warnings { get; }

    /// <summary>Failure counters of this snapshot's steps (rules disabled until the next reload).</summary>
    public RuleHealth Health { get; } = new();

    /// <summary>Things that must live as long as the snapshot (e.g. handles on collectible rule assemblies).</summary>
    public IReadOnlyList<object> OwnedResources { get; }

    public CompiledProfile? Find(string name) => Profiles.FirstOrDefault(p => p.Name == name);
}
