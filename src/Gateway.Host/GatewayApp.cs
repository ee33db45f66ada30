using Gateway.Host.State;
using Gateway.Core.Errors;
using Gateway.Core.Models;
using Gateway.Core.Translation;
using Gateway.Core.Upstream;
using Gateway.Host.Configuration;
using Gateway.Host.Demo;
using Gateway.Host.Endpoints;
using Gateway.Host.Observability;
using Gateway.Host.Security;
using Gateway.Host.Admin;
using Gateway.Economy;
using Gateway.Economy.Cache;
using Gateway.State;
using Gateway.Economy.Prompt;
using Gateway.Host.Policies;
using Gateway.Policy.BuiltIn;
using Gateway.Policy.Configuration;
using Gateway.Policy.Engine;
using Gateway.Policy.Reload;
using Gateway.Policy.Scripting;
using Gateway.Policy.Snapshots;
using Gateway.Policy.Tokens;
using Gateway.Core.Usage;
using Gateway.Host.Usage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Serilog;

namespace Gateway.Host;

/// <summary>
/// Composition of the gateway: configuration, upstream, translators, security, logging and endpoints.
/// <see cref="Program"/> runs it; tests build it in-process on a loopback port with extra configuration.
/// </summary>
public static class GatewayApp
{
    public static readonly string Version = typeof(GatewayApp).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    public static async Task<WebApplication> BuildAsync(
        string[] args,
        Action<WebApplicationBuilder>? configure = null,
        Action<LoggerConfiguration>? extraLogging = null,
        DemoUpstreamFactory? demoUpstream = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);

        var options = GatewayOptionsLoader.Load(builder.Configuration, builder.Environment);
        ConfigureListening(builder, options);
        GatewayLogging.Configure(builder, extraLogging);

        // The no-secrets quick start: the simulator stands in for Anthropic (never in Production: the loader refuses that).
        IDemoUpstream? demo = null;
        if (options.DemoUpstream && demoUpstream is null)
            throw new InvalidOperationException("Invalid configuration:\n  - ANTHROPIC_API_KEY is not set. Set it to proxy Anthropic's API, "
                + "or run the no-secrets demo, which starts a simulated upstream: dotnet run --project src/Gateway.Demo");
        var upstreamOptions = new AnthropicUpstreamOptions
        {
            BaseUrl = options.AnthropicBaseUrl,
            ApiKey = options.AnthropicApiKey ?? "",
            Version = options.AnthropicVersion,
            FirstByteTimeout = TimeSpan.FromSeconds(options.UpstreamTimeoutSeconds),
        };
        if (options.DemoUpstream)
        {
            demo = await demoUpstream!();
            upstreamOptions = upstreamOptions with { BaseUrl = demo.BaseUrl, ApiKey = demo.ApiKey };
        }

        var services = builder.Services;
        services.AddSingleton(options);
        AddPolicies(services, builder.Configuration, options);
        services.AddSingleton(sp => sp.GetRequiredService<SharedState>().Thinking);
        services.AddSingleton(new TranslationOptions(options.DefaultMaxTokens));
        services.AddSingleton<SnapshotTranslators>();
        services.AddSingleton<MessagesToChatResponseTranslator>();
        services.AddSingleton(new AnthropicUpstreamClient(upstreamOptions));
        services.AddSingleton(new GatewayKeySet(options.GatewayApiKeys));
        services.AddSingleton<ClientAccessFilter>();
        services.AddSingleton<ChatCompletionsHandler>();
        // One usage event per API request; a test or a later ledger may have registered its own sink first.
        if (options.UsageLog) services.TryAddSingleton<IUsageSink, LogUsageSink>();
        else services.TryAddSingleton<IUsageSink, NoOpUsageSink>();
        if (demo is not null) services.AddHostedService(_ => new DemoUpstreamLifetime(demo));

        var app = builder.Build();
        if (demo is not null) DemoBanner.Announce(app.Logger, demo.BaseUrl);
        var policyStore = app.Services.GetRequiredService<PolicyStore>(); // first load now: invalid policies stop start-up

        app.UseGatewayErrorHandling();
        app.Use((http, next) =>
        {
            http.Response.Headers["X-Gateway"] = $"claude-gateway/{Version}";
            http.Response.Headers["X-Policy-Version"] = policyStore.Current.Version;
            if (demo is not null) http.Response.Headers["X-Upstream"] = "demo-simulator";
            return next(http);
        });
        GatewayLogging.UseRequestSummary(app);
        app.UseUsageEvents();
        MapEndpoints(app, demo is not null);
        if (options.AdminApiKey is { } adminKey) AdminEndpoints.Map(app, adminKey);
        return app;
    }

    /// <summary>The policy layer: snapshot builder (with the one script compiler and session store of the process), store, engine, reload triggers.</summary>
    private static void AddPolicies(IServiceCollection services, IConfiguration config, GatewayOptions options)
    {
        var environment = SeedOverrides.Variables.ToDictionary(v => v, v => config[v], StringComparer.Ordinal);
        // Shared state: Redis when REDIS_URL is set (fail-open), bounded in-memory stores otherwise.
        services.AddSingleton(sp => SharedState.Create(options.RedisUrl, sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton(new ScriptRuleCompiler());
        services.AddSingleton(sp => new PolicySnapshotBuilder(sp.GetRequiredService<ScriptRuleCompiler>(),
            new BuiltInStepOptions { SessionStore = sp.GetRequiredService<SharedState>().SessionModels }));
        services.AddSingleton(sp => new PolicyStore(sp.GetRequiredService<PolicySnapshotBuilder>(), options.PolicyDirectory,
            environment, TimeProvider.System, sp.GetRequiredService<ILogger<PolicyStore>>()));
        services.AddSingleton(sp => new PolicyEngine(options.DefaultModel, options.OpusModel, TiktokenEstimator.Instance, sp.GetRequiredService<ILogger<PolicyEngine>>()));
        services.AddSingleton(new ContextPruner(TiktokenEstimator.Instance));
        services.AddSingleton(sp => new PromptCachePlanner(sp.GetRequiredService<SharedState>().PrefixHashes, TiktokenEstimator.Instance,
            sp.GetRequiredService<ILogger<PromptCachePlanner>>()));
        services.AddSingleton(sp => new ResponseCache(sp.GetRequiredService<SharedState>().ResponseCacheStore, ResponseCacheOptions.FromTtlSeconds(options.CacheTtlSeconds)));
        services.AddSingleton<UpstreamEconomy>();
        services.AddHostedService(sp => new PolicyReloadTriggers(sp.GetRequiredService<PolicyStore>(),
            TimeSpan.FromMilliseconds(options.PolicyPollMilliseconds), sp.GetRequiredService<ILogger<PolicyReloadTriggers>>()));
        services.AddHostedService(sp => new RetiredRuleCollector(sp.GetRequiredService<PolicyStore>(), TimeSpan.FromSeconds(2),
            sp.GetRequiredService<ILogger<RetiredRuleCollector>>()));
    }

    private static void MapEndpoints(WebApplication app, bool demo)
    {
        app.MapGet("/healthz", () => Results.Json(new HealthStatus("ok", demo ? "demo-simulator" : "anthropic", Version), HostJsonContext.Default.HealthStatus));
        app.MapGet("/readyz", (PolicyStore store) => store.Current.Catalogue.Models.Count > 0
            ? Results.Json(new HealthStatus("ready", demo ? "demo-simulator" : "anthropic", Version), HostJsonContext.Default.HealthStatus)
            : Results.Json(new HealthStatus("no models", demo ? "demo-simulator" : "anthropic", Version), HostJsonContext.Default.HealthStatus, statusCode: 503));

        // The OpenAI-compatible surface, with and without /v1 (clients differ in what their base URL includes).
        foreach (var prefix in (string[])["/v1", ""])
        {
            var api = app.MapGroup(prefix).AddEndpointFilter<ClientAccessFilter>();
            api.MapPost("/chat/completions", (HttpContext http, ChatCompletionsHandler handler) => handler.HandleAsync(http))
                .WithMetadata(new UsageIngressMetadata(UsageIngress.OpenAiChat));
            api.MapGet("/models", ModelsEndpoint.List);
        }
        app.MapFallback("/v1/{**rest}", (HttpContext http) =>
            OpenAiErrorWriter.WriteAsync(http, 404, OpenAiErrorTypes.NotFound, $"Unknown endpoint {http.Request.Method} {http.Request.Path}.", code: "unknown_url"));
    }

    /// <summary>--urls / ASPNETCORE_URLS win; else PORT (all interfaces, as platforms that set PORT expect); else 127.0.0.1:8080.</summary>
    private static void ConfigureListening(WebApplicationBuilder builder, GatewayOptions options)
    {
        if (string.IsNullOrEmpty(builder.Configuration["urls"]))
        {
            var port = builder.Configuration["PORT"];
            builder.WebHost.UseUrls(string.IsNullOrWhiteSpace(port) ? "http://127.0.0.1:8080" : $"http://0.0.0.0:{port.Trim()}");
        }
        // Chat requests raise their own limit to the drain cap and enforce this one themselves (Endpoints/RequestBody.cs).
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes);
    }
}
