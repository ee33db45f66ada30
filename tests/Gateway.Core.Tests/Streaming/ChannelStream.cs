using System.Threading.Channels;

namespace Gateway.Core.Tests.Streaming;

/// <summary>An upstream body fed by the test, piece by piece: each read waits for the next piece (honouring cancellation).</summary>
internal sealed class ChannelStream : Stream
{
    private readonly Channel<byte[]> _pieces = Channel.CreateUnbounded<byte[]>();
    private byte[] _current = [];
    private int _offset;

    public int Reads { get; private set; }

    public void Send(byte[] piece) => _pieces.Writer.TryWrite(piece);

    public void End() => _pieces.Writer.TryComplete();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Reads++;
        while (_offset == _current.Length)
        {
            if (!await _pieces.Reader.WaitToReadAsync(cancellationToken)) return 0;
            if (_pieces.Reader.TryRead(out var next)) { _current = next; _offset = 0; }
        }
        var n = Math.Min(buffer.Length, _current.Length - _offset);
        _current.AsMemory(_offset, n).CopyTo(buffer);
        _offset += n;
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, default).GetAwaiter().GetResult();
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
