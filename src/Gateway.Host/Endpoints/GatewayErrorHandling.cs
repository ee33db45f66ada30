using Gateway.Core.Errors;
using Gateway.Core.Usage;
using Gateway.Host.Observability;

namespace Gateway.Host.Endpoints;

/// <summary>The last line of defence: anything unexpected becomes an OpenAI-shaped 500 (logged with its stack), never an HTML page or a reset.</summary>
public static class GatewayErrorHandling
{
    public static IApplicationBuilder UseGatewayErrorHandling(this IApplicationBuilder app) =>
        app.Use(async (http, next) =>
        {
            try
            {
                await next(http);
            }
            catch (Exception ex) when (!http.RequestAborted.IsCancellationRequested)
            {
                var ctx = GatewayRequestContext.Of(http);
                ctx.ErrorStage ??= RequestStage.Gateway;
                ctx.ErrorType = "internal_error";
                http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Gateway.Errors")
                    .LogError(ex, "Unhandled error at stage {Stage}", ctx.ErrorStage);
                await OpenAiErrorWriter.WriteAsync(http, 500, OpenAiErrorTypes.Server, "The gateway failed to process the request. This is a bug; the log has the details.", code: "internal_error");
            }
        });
}
