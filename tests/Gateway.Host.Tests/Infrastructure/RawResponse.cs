using System.Globalization;
using System.Text;

namespace Gateway.Host.Tests.Infrastructure;

/// <summary>An HTTP/1.1 response read off a raw socket: status, head and body (chunked transfer decoded).</summary>
public sealed record RawResponse(int Status, string Head, string Body)
{
    public bool ClosesConnection => Head.Split("\r\n").Any(h => h.StartsWith("Connection:", StringComparison.OrdinalIgnoreCase) && h.Contains("close", StringComparison.OrdinalIgnoreCase));

    /// <summary>Reads exactly one response (by Content-Length, chunked end, or the connection closing), leaving the connection usable.</summary>
    public static async Task<RawResponse> ReadAsync(Stream stream, CancellationToken ct)
    {
        var received = new MemoryStream();
        var buffer = new byte[16 * 1024];
        while (true)
        {
            if (TryParse(received.ToArray(), out var response)) return response;
            var n = await stream.ReadAsync(buffer, ct);
            if (n == 0)
                return TryParse(received.ToArray(), out response, closed: true) ? response
                    : throw new Xunit.Sdk.XunitException($"connection closed after {received.Length} bytes: {Encoding.UTF8.GetString(received.ToArray())}");
            received.Write(buffer, 0, n);
        }
    }

    private static bool TryParse(byte[] raw, out RawResponse response, bool closed = false)
    {
        response = null!;
        var text = Encoding.UTF8.GetString(raw);
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (split < 0) return false;
        var head = text[..split];
        var status = int.Parse(head.Split(' ', 3)[1], CultureInfo.InvariantCulture);
        var rest = raw.AsSpan(Encoding.UTF8.GetByteCount(text[..(split + 4)]));
        var headers = head.Split("\r\n");
        string? body;
        if (headers.FirstOrDefault(h => h.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)) is { } length)
        {
            var n = int.Parse(length["Content-Length:".Length..].Trim(), CultureInfo.InvariantCulture);
            body = rest.Length >= n ? Encoding.UTF8.GetString(rest[..n]) : null;
        }
        else if (headers.Any(h => h.StartsWith("Transfer-Encoding:", StringComparison.OrdinalIgnoreCase) && h.Contains("chunked", StringComparison.OrdinalIgnoreCase)))
            body = Dechunk(rest);
        else
            body = closed ? Encoding.UTF8.GetString(rest) : null;
        if (body is null) return false;
        response = new RawResponse(status, head, body);
        return true;
    }

    /// <summary>The decoded body, or null while the terminating zero-size chunk has not arrived.</summary>
    private static string? Dechunk(ReadOnlySpan<byte> data)
    {
        var body = new List<byte>();
        var at = 0;
        while (true)
        {
            var lineEnd = data[at..].IndexOf("\r\n"u8);
            if (lineEnd < 0) return null;
            var size = int.Parse(Encoding.ASCII.GetString(data.Slice(at, lineEnd)).Split(';')[0].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            at += lineEnd + 2;
            if (size == 0) return Encoding.UTF8.GetString(body.ToArray());
            if (data.Length < at + size + 2) return null;
            body.AddRange(data.Slice(at, size));
            at += size + 2;
        }
    }
}
