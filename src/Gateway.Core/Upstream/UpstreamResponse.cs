namespace Gateway.Core.Upstream;

/// <summary>
/// An upstream answer whose headers have arrived and whose body has not been read yet.
/// The caller owns it: disposing releases the connection (and cancels an unread stream).
/// </summary>
public sealed class UpstreamResponse(HttpResponseMessage message) : IDisposable
{
    public int Status => (int)message.StatusCode;
    public bool IsSuccess => message.IsSuccessStatusCode;

    /// <summary>Anthropic's <c>request-id</c>, for correlating our logs with theirs.</summary>
    public string? RequestId => Header("request-id");

    /// <summary>Anthropic's <c>retry-after</c> (seconds), passed on to the client on 429/529.</summary>
    public string? RetryAfter => Header("retry-after");

    public Task<Stream> ReadBodyAsStreamAsync(CancellationToken ct) => message.Content.ReadAsStreamAsync(ct);

    public Task<byte[]> ReadBodyAsBytesAsync(CancellationToken ct) => message.Content.ReadAsByteArrayAsync(ct);

    private string? Header(string name) =>
        message.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    public void Dispose() => message.Dispose();
}
