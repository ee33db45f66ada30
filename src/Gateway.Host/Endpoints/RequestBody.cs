using System.Buffers;
using System.IO.Pipelines;

namespace Gateway.Host.Endpoints;

/// <summary>The request body read whole into a pooled buffer; Kestrel enforces the size limit while it is read.</summary>
internal sealed class RequestBody : IDisposable
{
    private byte[] _array = ArrayPool<byte>.Shared.Rent(16 * 1024);
    private int _length;

    public ReadOnlySpan<byte> WrittenSpan => _array.AsSpan(0, _length);

    public static async Task<RequestBody> ReadAsync(PipeReader reader, CancellationToken ct)
    {
        var body = new RequestBody();
        while (true)
        {
            var result = await reader.ReadAsync(ct);
            foreach (var segment in result.Buffer) body.Write(segment.Span);
            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted) break;
        }
        return body;
    }

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
