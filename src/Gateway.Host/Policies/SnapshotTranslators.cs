using System.Runtime.CompilerServices;
using Gateway.Core.Models;
using Gateway.Core.Translation;
using Gateway.Policy.Engine;
using Gateway.Policy.Snapshots;

namespace Gateway.Host.Policies;

/// <summary>
/// The core services that depend on the model catalogue, one set per policy snapshot: <c>models.yaml</c> reloads with the
/// policies, so a request translates with the catalogue of the snapshot it captured. Built once per snapshot, on first use.
/// </summary>
public sealed class SnapshotTranslators(TranslationOptions options, PolicyEngine engine)
{
    private readonly ConditionalWeakTable<PolicySnapshot, ChatToMessagesRequestTranslator> _translators = new();
    private readonly ConditionalWeakTable<PolicySnapshot, ModelResolver> _resolvers = new();

    public ChatToMessagesRequestTranslator RequestTranslator(PolicySnapshot snapshot) =>
        _translators.GetValue(snapshot, s => new ChatToMessagesRequestTranslator(s.Catalogue, options));

    /// <summary>The gateway-wide resolver of a snapshot (<c>GET /v1/models</c>): catalogue ids, API aliases and aliases.</summary>
    public ModelResolver Resolver(PolicySnapshot snapshot) =>
        _resolvers.GetValue(snapshot, s => new ModelResolver(s.Catalogue, engine.DefaultModel(s), engine.OpusModel(s), s.Catalogue.Aliases));
}
