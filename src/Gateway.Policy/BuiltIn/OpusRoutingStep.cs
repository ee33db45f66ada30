using System.Text.RegularExpressions;
using Gateway.Policy.Abstractions;
using Gateway.Policy.Configuration;
using Gateway.Policy.Pipeline;
using Gateway.Policy.Sessions;
using Gateway.Policy.Tokens;

namespace Gateway.Policy.BuiltIn;

/// <summary>
/// <c>route_model</c>: Sonnet/Opus routing, sticky per session. In order, the first that applies decides:
/// <list type="number">
/// <item><b>Explicit marker</b> (<see cref="RoutingConfig.OpusMarkers"/>, case-insensitive, in the latest user message): route to the
///   profile's Opus (<c>routed:opus-heuristics:marker</c>). An explicit ask overrides stickiness.</item>
/// <item><b>Explicit model</b>: when the request already goes to another model than the profile default (the client named Opus, by
///   alias or id, or pinned some other model), the step leaves it alone.</item>
/// <item><b>Sticky</b> (<see cref="RoutingConfig.Sticky"/>, a session id known): while the client keeps sending the same model name,
///   the session stays on the model its previous request went to (<c>routed:sticky</c>, or no change when that is the default).
///   A different model name from the client is an explicit switch and ends stickiness. Stickiness wins over the heuristics:
///   switching models mid-session throws away the prompt cache and makes earlier thinking blocks invalid.</item>
/// <item><b>Heuristics</b> (a new session, or no session id): long context (estimated request tokens &gt;=
///   <see cref="RoutingConfig.LongContextTokens"/>), many files (distinct file paths in the last <see cref="RecentTurns"/> user turns
///   &gt;= <see cref="RoutingConfig.ManyFilesThreshold"/>), hard task (<see cref="RoutingConfig.HardTaskPatterns"/> on the latest user
///   message): <c>routed:opus-heuristics:long-context</c> / <c>:many-files</c> / <c>:hard-task</c>.</item>
/// </list>
/// Never upgrades a profile with <see cref="RoutingConfig.OpusAllowed"/> false (and <see cref="PolicyContext.RouteTo"/> refuses too).
/// After the whole request stage, the session's final model — whichever rule chose it — is remembered
/// (<see cref="IRequestStageObserver"/>), so a later rule that routes elsewhere also "says otherwise" for the rest of the session.
/// </summary>
public sealed class OpusRoutingStep : BuiltInStep, IRequestStageObserver
{
    /// <summary>User turns (counted from the end) in which file paths count for the many-files heuristic.</summary>
    public const int RecentTurns = 3;

    private readonly RoutingConfig _config;
    private readonly IReadOnlyList<Regex> _hardTask;
    private readonly Regex _filePath;
    private readonly ISessionModelStore _store;

    public OpusRoutingStep(RoutingConfig config, BuiltInStepOptions options) : base(BuiltInSteps.RouteModel, options)
    {
        _config = config ?? throw new ArgumentNullException(nameof(config));
        _hardTask = config.HardTaskPatterns.Where(p => !string.IsNullOrWhiteSpace(p)).Select(p => Compile(p, RegexOptions.IgnoreCase)).ToList();
        _filePath = TextSignals.FilePath(options.RegexTimeout);
        _store = options.SessionStore;
    }

    /// <summary>
    /// Decides the route. Only the sticky lookup can wait (the session store reads its local copy first, and Redis, bounded, only on a
    /// local miss): it is awaited, so a slow Redis never holds the request thread.
    /// </summary>
    public override async ValueTask ApplyAsync(PolicyContext context, RuleScope scope, ResponseView? response, CancellationToken ct)
    {
        if (!_config.Enabled) return;
        var request = context.Request;
        var profile = context.Profile;
        var opusAllowed = _config.OpusAllowed && profile.OpusAllowed && !string.IsNullOrEmpty(profile.OpusModel);
        var latest = request.LatestUserMessage?.AllText ?? "";

        // 1. Explicit marker.
        if (opusAllowed && _config.OpusMarkers.Any(m => m.Length > 0 && latest.Contains(m, StringComparison.OrdinalIgnoreCase)))
        {
            context.RouteTo(profile.OpusModel, "opus-heuristics:marker");
            return;
        }

        // 2. The client chose a model other than the default: respect it.
        if (request.Model != profile.DefaultModel) return;

        // 3. Sticky.
        if (SessionKey(context) is { } key && await _store.GetAsync(key, ct).ConfigureAwait(false) is { } remembered
            && remembered.RequestedModel == request.RequestedModel)
        {
            if (remembered.Model == request.Model) return;
            var upgrade = remembered.Model == profile.OpusModel;
            if ((!upgrade || opusAllowed) && context.RouteTo(remembered.Model, "sticky")) return;
            // Refused (the profile no longer allows it, e.g. after a reload): decide afresh below.
        }

        // 4. Heuristics.
        if (!opusAllowed) return;
        if (Reason(context, latest) is { } reason) context.RouteTo(profile.OpusModel, "opus-heuristics:" + reason);
    }

    /// <summary>Remembers the model the session's request finally goes to.</summary>
    public void OnRequestStageCompleted(PolicyContext context)
    {
        if (SessionKey(context) is not { } key) return;
        var r = context.Request;
        _store.Set(key, new SessionModel(r.Model, r.RequestedModel, r.ModelSource));
    }

    private string? SessionKey(PolicyContext context) =>
        _config.Sticky && !string.IsNullOrEmpty(context.Request.SessionId) ? context.Profile.Name + "\n" + context.Request.SessionId : null;

    /// <summary>Which heuristic says the task is hard, or null.</summary>
    private string? Reason(PolicyContext context, string latest)
    {
        if (_config.LongContextTokens > 0 && IsLongContext(context, _config.LongContextTokens)) return "long-context";
        if (_config.ManyFilesThreshold > 0 && CountRecentFiles(context.Request, _config.ManyFilesThreshold) >= _config.ManyFilesThreshold) return "many-files";
        if (latest.Length > 0 && _hardTask.Any(rx => rx.IsMatch(latest))) return "hard-task";
        return null;
    }

    private static bool IsLongContext(PolicyContext context, int threshold)
    {
        var texts = context.Request.AllBlocks.Select(b => b.Text)
            .Concat(context.Request.Tools.Select(t => t.Name + (t.Description ?? "") + t.ParametersJson)).ToList();
        // A token is at least one UTF-8 byte: below the threshold in bytes means below it in tokens, without tokenizing.
        long bound = 0;
        foreach (var t in texts) bound += TiktokenEstimator.UpperBound(t);
        if (bound < threshold) return false;
        long tokens = 0;
        foreach (var t in texts)
        {
            tokens += context.Tokens.Count(t);
            if (tokens >= threshold) return true;
        }
        return false;
    }

    private int CountRecentFiles(RequestView request, int enough)
    {
        var files = new HashSet<string>(StringComparer.Ordinal);
        foreach (var m in request.Messages)
        {
            if (m.TurnsFromEnd >= RecentTurns) continue;
            foreach (var b in m.Blocks)
            {
                if (b.Text.Length == 0) continue;
                foreach (Match match in _filePath.Matches(b.Text))
                {
                    files.Add(TextSignals.NormalizePath(match.Value));
                    if (files.Count >= enough) return files.Count;
                }
            }
        }
        return files.Count;
    }
}
