using Gateway.Core.Errors;
using Gateway.Host.Endpoints;
using Gateway.Host.Security;
using Gateway.Policy.Reload;
using Gateway.Policy.Snapshots;

namespace Gateway.Host.Admin;

/// <summary>
/// <c>GET /admin/policies</c> and <c>POST /admin/policies/reload</c>, guarded by <c>ADMIN_API_KEY</c>
/// (as <c>Authorization: Bearer</c> or <c>X-Admin-Key</c>). Without an admin key configured they are not mapped at all (404).
/// A gateway key never opens them: the admin key is a separate secret, and start-up refuses one equal to a gateway key.
/// </summary>
public static class AdminEndpoints
{
    public static void Map(WebApplication app, string adminKey)
    {
        var admin = app.MapGroup("/admin").AddEndpointFilter(async (invocation, next) =>
        {
            var http = invocation.HttpContext;
            var presented = PresentedAdminKey(http.Request.Headers);
            if (presented is null || !GatewayKeySet.SecretEquals(presented, adminKey))
            {
                await OpenAiErrorWriter.WriteAsync(http, 401, OpenAiErrorTypes.Authentication, "Admin endpoints need the admin key (ADMIN_API_KEY).", code: "invalid_admin_key");
                return Results.Empty;
            }
            return await next(invocation);
        });

        admin.MapGet("/policies", (PolicyStore store) => Results.Json(Describe(store), AdminJsonContext.Default.AdminPolicies));
        admin.MapPost("/policies/reload", (PolicyStore store) =>
        {
            var outcome = store.Reload("admin");
            return outcome.Succeeded
                ? Results.Json(ToAdmin(outcome), AdminJsonContext.Default.AdminReload)
                : Results.Json(new AdminReloadError(
                        new OpenAiError($"The policy change was rejected ({outcome.Errors.Count()} error(s)); version {outcome.Version} stays active.", "policy_error", null, "policy_invalid"),
                        outcome.Errors.Select(e => e.ToString()).ToList(), outcome.Version),
                    AdminJsonContext.Default.AdminReloadError, statusCode: 422);
        });
    }

    private static string? PresentedAdminKey(IHeaderDictionary headers)
    {
        var authorization = headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && authorization.Length > 7) return authorization[7..].Trim();
        var header = headers["X-Admin-Key"].ToString().Trim();
        return header.Length > 0 ? header : null;
    }

    private static AdminPolicies Describe(PolicyStore store)
    {
        var snapshot = store.Current;
        var rules = snapshot.Profiles
            .SelectMany(p => p.Config.Rules.Select(r => (Profile: p.Name, Rule: r)))
            .GroupBy(x => x.Rule.Id)
            .Select(g => new AdminRule(g.Key, g.First().Rule.Path, g.First().Rule.Stage.ToString().ToLowerInvariant(), g.First().Rule.BudgetMs, g.First().Rule.MemoryMb, g.Select(x => x.Profile).ToList()))
            .ToList();
        return new AdminPolicies(
            snapshot.Version,
            snapshot.LoadedAt,
            store.Directory,
            snapshot.Files.Select(f => new AdminPolicyFile(f.Path, f.Sha256)).ToList(),
            snapshot.Profiles.Select(Describe).ToList(),
            rules,
            snapshot.Health.Report().Select(h => new AdminDisabledRule(h.Id, h.Failures, h.Disabled, h.LastError)).ToList(),
            snapshot.Warnings.Select(w => w.ToString()).ToList(),
            ToAdmin(store.LastReload),
            store.LastFailure is { } failure ? ToAdmin(failure) : null);
    }

    private static AdminProfile Describe(CompiledProfile profile)
    {
        var m = profile.Config.Match;
        var match = new List<string>();
        if (m.KeySha256.Count > 0) match.Add($"{m.KeySha256.Count} key(s)");
        if (m.HeaderName is not null) match.Add($"{m.HeaderName}: {m.HeaderValue}");
        if (m.ModelPrefix is not null) match.Add($"model prefix {m.ModelPrefix}");
        return new AdminProfile(profile.Name, match.Count == 0 ? (profile.Name == "default" ? "everything else" : "nothing") : string.Join("; ", match),
            profile.RequestSteps.Select(s => s.Id).ToList(), profile.ResponseSteps.Select(s => s.Id).ToList(),
            profile.Config.OnRuleError.ToString().ToLowerInvariant());
    }

    private static AdminReload ToAdmin(ReloadOutcome o) =>
        new(o.Succeeded, o.Changed, o.Version, o.Trigger, o.At, o.Errors.Select(e => e.ToString()).ToList());
}
