namespace Gateway.Core.Upstream;

/// <summary>Where and how the gateway reaches Anthropic's Messages API.</summary>
public sealed record AnthropicUpstreamOptions
{
    /// <summary>API root without <c>/v1</c>, as in Anthropic's own SDKs; requests go to <c>{BaseUrl}/v1/messages</c>.</summary>
    public required Uri BaseUrl { get; init; }

    /// <summary>Sent as <c>x-api-key</c>. Never logged.</summary>
    public required string ApiKey { get; init; }

    /// <summary>Sent as <c>anthropic-version</c>.</summary>
    public string Version { get; init; } = "2023-06-01";

    /// <summary>How long to wait for the upstream's response headers (the first byte) before answering 504.</summary>
    public TimeSpan FirstByteTimeout { get; init; } = TimeSpan.FromSeconds(300);
}
