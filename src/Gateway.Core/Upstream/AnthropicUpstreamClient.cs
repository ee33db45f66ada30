using System.Net;
using System.Net.Http.Headers;
using Gateway.Core.Errors;

namespace Gateway.Core.Upstream;

/// <summary>
/// Sends translated requests to <c>{BaseUrl}/v1/messages</c> over one pooled connection handler.
/// Returns as soon as response headers arrive (<see cref="HttpCompletionOption.ResponseHeadersRead"/>), so
/// stream bodies are never buffered. Thread-safe; one instance per process.
/// </summary>
public sealed class AnthropicUpstreamClient : IDisposable
{
    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json");
    private readonly HttpMessageInvoker _invoker;
    private readonly AnthropicUpstreamOptions _options;
    private readonly Uri _messagesUri;

    public AnthropicUpstreamClient(AnthropicUpstreamOptions options, HttpMessageHandler? handler = null)
    {
        _options = options;
        _messagesUri = new Uri(options.BaseUrl.ToString().TrimEnd('/') + "/v1/messages");
        _invoker = new HttpMessageInvoker(handler ?? CreateDefaultHandler(), disposeHandler: true);
    }

    public AnthropicUpstreamOptions Options => _options;

    /// <summary>
    /// A handler tuned for one busy upstream: connections are pooled and recycled so DNS changes are seen,
    /// no automatic decompression (SSE must flow byte by byte), no cookies, no proxy surprises from the environment.
    /// </summary>
    public static SocketsHttpHandler CreateDefaultHandler() => new()
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
        ConnectTimeout = TimeSpan.FromSeconds(10),
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        EnableMultipleHttp2Connections = true,
    };

    /// <summary>
    /// Posts <paramref name="body"/> (a serialized Messages request). Throws <see cref="GatewayException"/> 504 when no
    /// headers arrive within <see cref="AnthropicUpstreamOptions.FirstByteTimeout"/>, 502 when the upstream cannot be reached,
    /// and <see cref="OperationCanceledException"/> when <paramref name="ct"/> (the client) cancels.
    /// </summary>
    public async Task<UpstreamResponse> SendAsync(ReadOnlyMemory<byte> body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _messagesUri)
        {
            Content = new ReadOnlyMemoryContent(body),
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrHigher,
        };
        request.Content.Headers.ContentType = JsonContentType;
        request.Headers.TryAddWithoutValidation("x-api-key", _options.ApiKey);
        request.Headers.TryAddWithoutValidation("anthropic-version", _options.Version);
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");

        using var firstByte = CancellationTokenSource.CreateLinkedTokenSource(ct);
        firstByte.CancelAfter(_options.FirstByteTimeout);
        try
        {
            var response = await _invoker.SendAsync(request, firstByte.Token).ConfigureAwait(false);
            return new UpstreamResponse(response);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new GatewayException(504, OpenAiErrorTypes.Timeout,
                $"The upstream did not answer within {_options.FirstByteTimeout.TotalSeconds:0} seconds.", code: "upstream_timeout");
        }
        catch (HttpRequestException ex) when (!ct.IsCancellationRequested)
        {
            // The message of HttpRequestException names host and port, never headers: safe to pass on.
            throw new GatewayException(502, OpenAiErrorTypes.Server,
                $"The upstream could not be reached: {ex.Message}", code: "upstream_unreachable", inner: ex);
        }
    }

    public void Dispose() => _invoker.Dispose();
}
