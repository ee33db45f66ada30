using Gateway.Core.Errors;
using Gateway.Core.Usage;
using Gateway.Host.Configuration;
using Gateway.Host.Endpoints;
using Gateway.Host.Observability;
using Gateway.Host.Usage;

namespace Gateway.Host.Security;

/// <summary>
/// The first security layer on the OpenAI-compatible routes, checked in this order:
/// 1. Cloudflare Access headers, when <c>REQUIRE_CF_ACCESS_HEADERS=1</c> (403: the request did not come through Access);
/// 2. the origin secret in <c>X-Origin-Secret</c>, when <c>ORIGIN_SECRET</c> is set (403: the request bypassed the proxy);
/// 3. a gateway key, when <c>GATEWAY_API_KEY</c> is set, from <c>Authorization: Bearer</c>, <c>X-API-Key</c> or <c>api-key</c> (401).
/// Failures answer with OpenAI's error JSON. Nothing presented is ever logged.
/// </summary>
public sealed class ClientAccessFilter(GatewayOptions options, GatewayKeySet keys) : IEndpointFilter
{
    /// <summary>Set by Cloudflare Access on every request it lets through (the signed JWT; validated in full by a later layer).</summary>
    public const string CfAccessJwtHeader = "Cf-Access-Jwt-Assertion";
    public const string OriginSecretHeader = "X-Origin-Secret";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var http = invocation.HttpContext;
        var ctx = GatewayRequestContext.Of(http);
        // API calls that bill end in a usage event, also when access is refused here (the ledger and metrics count refusals).
        ctx.Ingress ??= http.GetEndpoint()?.Metadata.GetMetadata<UsageIngressMetadata>()?.Ingress;

        if (options.RequireCfAccessHeaders && string.IsNullOrWhiteSpace(http.Request.Headers[CfAccessJwtHeader]))
            return await Deny(http, ctx, 403, OpenAiErrorTypes.Permission, "This gateway only accepts requests through Cloudflare Access.", "cf_access_required");

        if (options.OriginSecret is { } secret)
        {
            var presented = http.Request.Headers[OriginSecretHeader].ToString();
            if (presented.Length == 0 || !GatewayKeySet.SecretEquals(presented, secret))
                return await Deny(http, ctx, 403, OpenAiErrorTypes.Permission, "Missing or wrong origin secret: requests must come through the configured proxy.", "origin_secret_invalid");
        }

        if (!keys.IsEmpty)
        {
            var presented = PresentedKey(http.Request.Headers);
            if (presented is null)
                return await Deny(http, ctx, 401, OpenAiErrorTypes.Authentication, "Missing API key. Send it as 'Authorization: Bearer <key>', 'X-API-Key' or 'api-key'.", "missing_api_key");
            if (!keys.TryMatch(presented, out var keySha256, out var keyId))
                return await Deny(http, ctx, 401, OpenAiErrorTypes.Authentication, "Incorrect API key provided.", "invalid_api_key");
            ctx.KeyId = keyId;
            ctx.KeySha256 = keySha256;
        }

        return await next(invocation);
    }

    /// <summary>The key from the first header that carries one; Bearer scheme is case-insensitive per RFC 7235.</summary>
    internal static string? PresentedKey(IHeaderDictionary headers)
    {
        var authorization = headers.Authorization.ToString();
        if (authorization.Length > 7 && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            var token = authorization[7..].Trim();
            if (token.Length > 0) return token;
        }
        foreach (var name in (ReadOnlySpan<string>)["X-API-Key", "api-key"])
        {
            var value = headers[name].ToString().Trim();
            if (value.Length > 0) return value;
        }
        return null;
    }

    private static async ValueTask<object?> Deny(HttpContext http, GatewayRequestContext ctx, int status, string type, string message, string code)
    {
        ctx.ErrorStage = RequestStage.Auth;
        ctx.ErrorType = code;
        await OpenAiErrorWriter.WriteAsync(http, status, type, message, code: code);
        return Results.Empty;
    }
}
