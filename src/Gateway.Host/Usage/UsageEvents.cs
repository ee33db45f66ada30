using Gateway.Core.Usage;
using Gateway.Host.Observability;

namespace Gateway.Host.Usage;

/// <summary>
/// Raises each API request's one <see cref="UsageEvent"/> once its answer has ended (a stream's last byte included), from the
/// request context the stages filled in: the usage ledger, budgets, rate limits and metrics hang on <see cref="IUsageSink"/>.
/// </summary>
public static class UsageEvents
{
    public static void UseUsageEvents(this WebApplication app)
    {
        var sink = app.Services.GetRequiredService<IUsageSink>();
        app.Use(async (http, next) =>
        {
            var failed = false;
            try
            {
                await next(http);
            }
            catch
            {
                failed = true; // the error handler outside answers 500
                throw;
            }
            finally
            {
                if (GatewayRequestContext.Find(http) is { Ingress: not null } ctx)
                    sink.Record(ctx.ToUsageEvent(failed ? StatusCodes.Status500InternalServerError : http.Response.StatusCode));
            }
        });
    }
}

/// <summary>Endpoint metadata: requests to this endpoint come in on <paramref name="Ingress"/> and end in a usage event.</summary>
public sealed record UsageIngressMetadata(string Ingress);
