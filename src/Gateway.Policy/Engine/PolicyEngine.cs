using System.Runtime.CompilerServices;
using Gateway.Core.Models;
using Gateway.Core.Translation;
using Gateway.Policy.Abstractions;
using Gateway.Policy.Configuration;
using Gateway.Policy.Pipeline;
using Gateway.Policy.Profiles;
using Gateway.Policy.Sessions;
using Gateway.Policy.Snapshots;
using Gateway.Policy.Views;
using Microsoft.Extensions.Logging;

namespace Gateway.Policy.Engine;

/// <summary>Who sent a request and what, as the policy layer may see it: never credentials.</summary>
/// <param name="Request">The canonical request an ingress built; shaped in place (texts, system notes). The model is reported, not set.</param>
/// <param name="KeySha256">Hex SHA-256 of the gateway key used, or null when unauthenticated.</param>
/// <param name="Headers">Request headers without credentials (case-insensitive names).</param>
/// <param name="Now">Arrival time.</param>
public sealed record PolicyRequestInput(CanonicalRequest Request, string? KeySha256, IReadOnlyDictionary<string, string> Headers, DateTimeOffset Now)
{
    /// <summary>Use this profile without selection (<c>policy explain --profile</c>, policy test cases); null: select.</summary>
    public string? ForceProfile { get; init; }
}

/// <summary>What the policy layer made of one request.</summary>
public sealed record ShapedRequest(
    PolicySnapshot Snapshot,
    CompiledProfile Profile,
    string ProfileReason,
    string? Rejection,
    string Model,
    string ModelSource,
    PolicyContext? Context,
    PipelineReport? Report,
    int TokensBefore,
    int TokensAfter)
{
    /// <summary>A fail-closed profile's step failed: the request must not go upstream.</summary>
    public bool FailedClosed => Report?.Failed == true;

    /// <summary>The profile has response-stage steps to run on this request's answer (so the answer's text must be kept).</summary>
    public bool ObservesResponse => Context is not null && Profile.ResponseSteps.Count > 0;

    /// <summary>Step ids that changed the request, with estimated tokens before and after: for the request log.</summary>
    public IReadOnlyList<string> ChangeSummary =>
        Report?.Steps.Where(s => s.Status == StepStatus.Applied).Select(s => $"{s.Id}:{s.TokensBefore}->{s.TokensAfter}").ToList() ?? [];
}

/// <summary>
/// The policy layer's one entry point for the host, per request:
/// 1. select the profile (key hash, header, model prefix) from the snapshot the caller captured;
/// 2. resolve the model with the profile's models (its aliases, default, Opus and allowed list) over the catalogue;
/// 3. map the request to the rules' view, run the profile's request pipeline, write the result back into the request;
/// 4. after the answer, run the response pipeline on the folded response.
/// Thread-safe; per-request state lives in the returned <see cref="ShapedRequest"/>.
/// </summary>
public sealed class PolicyEngine(string? defaultModelOverride, string? opusModelOverride, ITokenEstimator tokens, ILogger log)
{
    private readonly ConditionalWeakTable<CompiledProfile, ModelResolver> _resolvers = new();

    /// <summary>The gateway-wide default model for a snapshot: <c>DEFAULT_MODEL</c>, else the catalogue's default.</summary>
    public string DefaultModel(PolicySnapshot snapshot) => defaultModelOverride ?? snapshot.Catalogue.DefaultModel;

    /// <summary>The gateway-wide Opus model for a snapshot: <c>OPUS_MODEL</c>, else the catalogue's Opus.</summary>
    public string OpusModel(PolicySnapshot snapshot) => opusModelOverride ?? snapshot.Catalogue.OpusModel;

    public async ValueTask<ShapedRequest> ShapeRequestAsync(PolicySnapshot snapshot, PolicyRequestInput input, CancellationToken ct = default)
    {
        var request = input.Request;
        var requestedModel = request.Intent.Model;

        // 1. Profile.
        var selection = input.ForceProfile is { } forced
            ? new ProfileSelection(forced, requestedModel, "forced", snapshot.Find(forced) is null ? $"no profile named '{forced}'" : null)
            : ProfileSelector.Select(snapshot.ProfileConfigs, input.KeySha256, input.Headers, requestedModel);
        var profile = snapshot.Find(selection.ProfileName) ?? snapshot.Default;
        if (selection.Rejection is not null)
            return new ShapedRequest(snapshot, profile, selection.Reason, selection.Rejection, "", "", null, null, 0, 0);

        // 2. Model.
        var requested = selection.ModelWithoutPrefix ?? requestedModel;
        var (model, source) = ResolveModel(snapshot, profile, requested);

        // 3. Request pipeline.
        var config = profile.Config;
        var sessionId = SessionIds.Resolve(request.Request, input.Headers, config.Routing.SessionHeader, input.KeySha256);
        var mapped = RequestViewMapper.ToView(request, model, source, input.Headers, sessionId);
        var view = mapped.View;
        var tokensBefore = Estimate(view);
        var profileView = new ProfileView(config.Name, ProfileDefault(snapshot, config), ProfileOpus(snapshot, config), config.Routing.OpusAllowed,
            config.Models.Allowed, config.Settings);
        PolicyContext? context = null;
        context = new PolicyContext(view, profileView, tokens, new LoggerPolicyLog(log, () => context?.CurrentRuleId ?? ""), input.Now);
        var report = await PolicyPipeline.RunRequestAsync(profile, context, snapshot.Health, log, ct).ConfigureAwait(false);
        // A fail-closed profile stays closed when a rule was disabled for failing: skipping it would let requests through unchecked.
        if (!report.Failed && config.OnRuleError == FailureMode.Closed
            && report.Steps.FirstOrDefault(s => s.Status == StepStatus.SkippedDisabled) is { } disabled)
            report = report with { Failed = true, FailedStepId = disabled.Id, FailureReason = "disabled after repeated failures until the next reload" };
        if (!report.Failed) RequestViewMapper.ApplyTo(mapped, request);
        // Every text change was journaled with its token estimates before and after: no need to tokenize the request again.
        var tokensAfter = report.Failed ? tokensBefore
            : tokensBefore + context.Changes.Where(c => c.Action is "replace_text" or "system_note").Sum(c => c.TokensAfter - c.TokensBefore);
        return new ShapedRequest(snapshot, profile, selection.Reason, null, view.Model, view.ModelSource, context, report, tokensBefore, tokensAfter);
    }

    /// <summary>Runs the profile's response stage (observe, tag). Never throws: failures are fail-open and logged.</summary>
    public async ValueTask<PipelineReport?> ObserveResponseAsync(ShapedRequest shaped, ResponseView response, CancellationToken ct = default)
    {
        if (!shaped.ObservesResponse) return null;
        try
        {
            return await PolicyPipeline.RunResponseAsync(shaped.Profile, shaped.Context, shaped.Snapshot.Health, log, response, ct).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            log.LogWarning(ex, "Response-stage policy failed for profile {Profile}", shaped.Profile.Name);
            return null;
        }
    }

    private string ProfileDefault(PolicySnapshot snapshot, ProfileConfig config) => config.Models.Default ?? DefaultModel(snapshot);
    private string ProfileOpus(PolicySnapshot snapshot, ProfileConfig config) => config.Models.Opus ?? OpusModel(snapshot);

    /// <summary>The catalogue resolver with this profile's default, Opus and aliases; then the allowed list.</summary>
    private (string Model, string Source) ResolveModel(PolicySnapshot snapshot, CompiledProfile profile, string? requested)
    {
        var config = profile.Config;
        // Compiled profiles belong to one snapshot, so a resolver cached per profile always sees that snapshot's catalogue.
        var resolver = _resolvers.GetValue(profile, p =>
        {
            var aliases = new Dictionary<string, string>(snapshot.Catalogue.Aliases, StringComparer.OrdinalIgnoreCase);
            foreach (var (name, target) in p.Config.Models.Aliases) aliases[name] = target;
            return new ModelResolver(snapshot.Catalogue, ProfileDefault(snapshot, p.Config), ProfileOpus(snapshot, p.Config), aliases);
        });
        var resolution = resolver.Resolve(requested);
        if (config.Models.Allowed.Count > 0 && !config.Models.Allowed.Contains(resolution.Model, StringComparer.OrdinalIgnoreCase))
            return (ProfileDefault(snapshot, config), "profile-default");
        return (resolution.Model, resolution.Source);
    }

    private int Estimate(RequestView view)
    {
        var total = 0;
        foreach (var block in view.AllBlocks) total += tokens.Count(block.Text);
        foreach (var note in view.SystemNotes) total += tokens.Count(note.Text);
        foreach (var tool in view.Tools) total += tokens.Count(tool.Name) + tokens.Count(tool.Description ?? "") + tokens.Count(tool.ParametersJson);
        return total;
    }
}
