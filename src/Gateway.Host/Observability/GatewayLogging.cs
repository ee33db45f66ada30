using Gateway.Core.Usage;
using Serilog;
using Serilog.Events;
using Serilog.Configuration;
using Serilog.Formatting;
using Serilog.Formatting.Compact;
using Serilog.Formatting.Display;

namespace Gateway.Host.Observability;

/// <summary>
/// Serilog set-up: readable lines in Development, compact JSON elsewhere; framework chatter at Warning;
/// one summary event per request built from <see cref="GatewayRequestContext"/>. No header is ever logged,
/// so API keys, Authorization values and the origin secret cannot reach a log line.
/// </summary>
public static class GatewayLogging
{
    public const string SummaryTemplate =
        "{RequestMethod} {RequestPath} {StatusCode} in {Elapsed:0.0} ms: profile {Profile} model {Model} ({ModelSource}) stream {Stream} tokens in {InputTokens} out {OutputTokens} cache r/w {CacheReadTokens}/{CacheWriteTokens}";

    public static void Configure(WebApplicationBuilder builder, Action<LoggerConfiguration>? extra)
    {
        var development = builder.Environment.IsDevelopment();
        builder.Services.AddSerilog((services, lc) =>
        {
            lc.MinimumLevel.Information()
              .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
              .MinimumLevel.Override("Microsoft.Hosting.Lifetime", LogEventLevel.Information)
              .MinimumLevel.Override("System", LogEventLevel.Warning)
              .Enrich.FromLogContext()
              .Enrich.WithProperty("Application", "claude-gateway");
            // Standard output is written in batches by a background worker (bounded queue; events are dropped, not waited for,
            // when it is full): a request thread never blocks on a slow stdout, and formatting and writing leave the request path.
            ITextFormatter formatter = development
                ? new MessageTemplateTextFormatter("[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj}{NewLine}{Exception}")
                : new CompactJsonFormatter();
            lc.WriteTo.Sink(new BufferedConsoleSink(formatter), new BatchingOptions
            {
                BatchSizeLimit = 1000,
                BufferingTimeLimit = TimeSpan.FromMilliseconds(50),
                QueueLimit = 100_000,
                EagerlyEmitFirstEvent = true,
            });
            extra?.Invoke(lc);
        }, preserveStaticLogger: true);
        // preserveStaticLogger: this host's logger stays its own. Otherwise Serilog makes it the process-wide Log.Logger,
        // the request summary's DiagnosticContext binds properties through that static logger, and disposing any host
        // (tests run several in one process) resets it to a silent logger: summaries then lose model, tokens and error type.
    }

    /// <summary>Only properties that have a value: a null costs a property, its rendering and its bytes in every line.</summary>
    private static void SetIf<T>(IDiagnosticContext diag, string name, T? value)
    {
        if (value is not null) diag.Set(name, value);
    }

    public static void UseRequestSummary(WebApplication app) =>
        app.UseSerilogRequestLogging(o =>
        {
            o.MessageTemplate = SummaryTemplate;
            // This host's logger, not the static Log.Logger (see Configure).
            o.Logger = app.Services.GetService<Serilog.ILogger>();
            o.GetLevel = (http, _, ex) =>
                ex is not null || http.Response.StatusCode >= 500 ? LogEventLevel.Error
                : http.Request.Path.StartsWithSegments("/healthz") || http.Request.Path.StartsWithSegments("/readyz") ? LogEventLevel.Verbose
                : LogEventLevel.Information;
            o.EnrichDiagnosticContext = (diag, http) =>
            {
                var ctx = GatewayRequestContext.Find(http);
                diag.Set("KeyId", ctx?.KeyId ?? "anonymous");
                diag.Set("Profile", ctx?.Profile ?? "default");
                diag.Set("Model", ctx?.Model ?? "-");
                SetIf(diag, "RequestedModel", ctx?.RequestedModel);
                diag.Set("ModelSource", ctx?.ModelSource ?? "-");
                diag.Set("Stream", ctx?.Stream ?? false);
                diag.Set("InputTokens", ctx?.Usage?.PromptTokens ?? 0);
                diag.Set("OutputTokens", ctx?.Usage?.OutputTokens ?? 0);
                diag.Set("CacheReadTokens", ctx?.Usage?.CacheReadInputTokens ?? 0);
                diag.Set("CacheWriteTokens", ctx?.Usage?.CacheCreationInputTokens ?? 0);
                SetIf(diag, "FinishReason", ctx?.FinishReason);
                SetIf(diag, "UpstreamStatus", ctx?.UpstreamStatus);
                SetIf(diag, "UpstreamRequestId", ctx?.UpstreamRequestId);
                SetIf(diag, "UpstreamFirstByteMs", ctx?.UpstreamFirstByteMs);
                diag.Set("ErrorStage", ctx?.ErrorStage?.LogName());
                diag.Set("ErrorType", ctx?.ErrorType); // always present: log queries filter on it
                if (ctx?.Adjustments.Count > 0) diag.Set("Adjustments", ctx.Adjustments);
                SetIf(diag, "PolicyVersion", ctx?.PolicyVersion);
                SetIf(diag, "Cache", ctx?.CacheStatus);
                SetIf(diag, "CachePlan", ctx?.CachePlan);
                if (ctx?.PolicyChanges.Count > 0) diag.Set("PolicyChanges", ctx.PolicyChanges);
                if (ctx?.TokensBeforePolicy is { } before) diag.Set("TokensBeforePolicy", before);
                if (ctx?.TokensAfterPolicy is { } after) diag.Set("TokensAfterPolicy", after);
                if (ctx?.PolicyTags is { Count: > 0 } tags) diag.Set("PolicyTags", tags, destructureObjects: true);
            };
        });
}
