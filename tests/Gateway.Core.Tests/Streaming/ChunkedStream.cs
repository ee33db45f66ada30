namespace Gateway.Core.Tests.Streaming;

/// <summary>An upstream body that hands out the given pieces, one per read (a read never spans two pieces), then optionally fails.</summary>
internal sealed class ChunkedStream(IReadOnlyList<byte[]> pieces, Exception? failAtEnd = null) : Stream
{
    private int _piece;
    private int _offset;

    public static ChunkedStream SplitAt(byte[] data, params int[] offsets)
    {
        var pieces = new List<byte[]>();
        var start = 0;
        foreach (var o in offsets.Where(o => o > 0 && o < data.Length).Distinct().Order())
        {
            pieces.Add(data[start..o]);
            start = o;
        }
        pieces.Add(data[start..]);
        return new ChunkedStream(pieces);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        while (_piece < pieces.Count && _offset == pieces[_piece].Length) { _piece++; _offset = 0; }
        if (_piece == pieces.Count)
        {
            if (failAtEnd is not null) throw failAtEnd;
            return 0;
        }
        var n = Math.Min(buffer.Length, pieces[_piece].Length - _offset);
        pieces[_piece].AsSpan(_offset, n).CopyTo(buffer);
        _offset += n;
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Read(buffer.Span));
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
