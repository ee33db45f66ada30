using System.Buffers;
using Gateway.Core.Errors;
using Gateway.Core.Translation;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.Host.Endpoints;

/// <summary>
/// The request body read whole into a pooled buffer, or a 413 (<c>request_too_large</c>) that the client can actually read.
/// </summary>
/// <remarks>
/// Kestrel's own limit alone is not enough: it rejects an over-limit body at the limit and then closes the connection while a
/// client that sent no <c>Expect: 100-continue</c> (most SDKs) is still uploading, so the client sees a broken pipe or a reset
/// instead of the 413. So for this request Kestrel's limit is raised to the drain cap and the real limit is enforced here: an
/// over-limit body is read to its end and thrown away (nothing is kept), then the 413 goes out on a connection that stays usable.
/// A body beyond the drain cap is never read whole (a DoS guard): declared by Content-Length, it is refused before reading; sent
/// chunked, Kestrel stops it at the cap (<see cref="BadHttpRequestException"/> 413). Either way the connection closes after the 413.
/// </remarks>
internal sealed class RequestBody : IDisposable
{
    private byte[] _array = ArrayPool<byte>.Shared.Rent(16 * 1024);
    private int _length;

    public ReadOnlySpan<byte> WrittenSpan => _array.AsSpan(0, _length);

    /// <param name="http">The request; its response gets <c>Connection: close</c> when the body is refused unread.</param>
    /// <param name="maxBytes">The largest body accepted.</param>
    /// <param name="drainBytes">The largest over-limit body read (and discarded) so the client sees the 413; at least <paramref name="maxBytes"/>.</param>
    /// <exception cref="GatewayException">413 request_too_large.</exception>
    public static async Task<RequestBody> ReadAsync(HttpContext http, long maxBytes, long drainBytes, CancellationToken ct)
    {
        var declared = http.Request.ContentLength;
        // With 100-continue the client waits for this answer before uploading anything, so there is nothing to drain.
        if (declared > maxBytes && (declared > drainBytes || ExpectsContinue(http.Request)))
            throw Refused(http);
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } kestrelLimit)
            kestrelLimit.MaxRequestBodySize = Math.Max(maxBytes, drainBytes);

        var reader = http.Request.BodyReader;
        var body = new RequestBody();
        try
        {
            var tooLarge = false;
            while (true)
            {
                var result = await reader.ReadAsync(ct);
                if (!tooLarge && body._length + result.Buffer.Length > maxBytes) tooLarge = true;
                if (!tooLarge)
                    foreach (var segment in result.Buffer) body.Write(segment.Span);
                reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted) break;
            }
            if (tooLarge) throw TooLarge();
            return body;
        }
        catch
        {
            body.Dispose();
            throw;
        }
    }

    /// <summary>The 413 for a body that will not be read to its end: the connection cannot be reused, so say so.</summary>
    public static GatewayException Refused(HttpContext http)
    {
        http.Response.Headers.Connection = "close";
        return TooLarge();
    }

    private static GatewayException TooLarge() =>
        new(413, OpenAiErrorTypes.InvalidRequest, "The request body is larger than this gateway accepts.", code: "request_too_large");

    private static bool ExpectsContinue(HttpRequest request) =>
        request.Headers.Expect.Any(v => v is not null && v.Contains("100-continue", StringComparison.OrdinalIgnoreCase));

    private void Write(ReadOnlySpan<byte> data)
    {
        if (_length + data.Length > _array.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_array.Length * 2, _length + data.Length));
            _array.AsSpan(0, _length).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_array);
            _array = bigger;
        }
        data.CopyTo(_array.AsSpan(_length));
        _length += data.Length;
    }

    public void Dispose() => ArrayPool<byte>.Shared.Return(_array);
}
