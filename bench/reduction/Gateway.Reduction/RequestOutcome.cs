namespace Gateway.Reduction;

/// <summary>What happened to one recorded client request in one configuration.</summary>
public sealed record RequestOutcome(
    string Session,
    int Seq,
    int Messages,
    int GatewayStatus,
    string? Error,
    int UpstreamCalls,
    int UpstreamRejected,
    UpstreamUsage Usage,
    RetentionResult Retention,
    string? XReduction,
    string? XCache)
{
    public bool Ok => Error is null && GatewayStatus == 200;
}
