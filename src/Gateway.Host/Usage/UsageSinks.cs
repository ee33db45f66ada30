using Gateway.Core.Usage;

namespace Gateway.Host.Usage;

/// <summary>The default: usage is in the request log line already; nothing else consumes it yet.</summary>
public sealed class NoOpUsageSink : IUsageSink
{
    public void Record(UsageEvent usage) { }
}

/// <summary>
/// <c>USAGE_LOG=1</c>: one structured <c>usage</c> log event per request (the <see cref="UsageEvent"/> fields as properties), for
/// operators who ship logs to a ledger of their own. Logging goes through the host's asynchronous sink: it does not block.
/// </summary>
public sealed class LogUsageSink(ILogger<LogUsageSink> log) : IUsageSink
{
    public void Record(UsageEvent u)
    {
        try
        {
            log.LogInformation("usage {Ingress} key {KeyId} profile {Profile} model {Model} status {Status} in {InputTokens} out {OutputTokens} cache r/w {CacheReadTokens}/{CacheWriteTokens} response-cache {ResponseCache} {DurationMs:0.0} ms{ErrorSuffix}",
                u.Ingress, u.KeyId, u.Profile, u.Model, u.Status, u.InputTokens, u.OutputTokens, u.CacheReadTokens, u.CacheWriteTokens,
                u.ResponseCache ?? "-", u.DurationMs, u.ErrorType is null ? "" : $" error {u.ErrorStage?.ToString().ToLowerInvariant()}/{u.ErrorType}");
        }
        catch
        {
            // A usage record must never fail the request it describes.
        }
    }
}
