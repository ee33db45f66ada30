namespace Gateway.Core.Tests.Streaming;

/// <summary>
/// An upstream body that hands out its pieces one per read, each only once the test released it: a read that needs piece i
/// signals <see cref="Asked"/>(i) and then blocks until <see cref="Release"/>(i). So the test knows exactly when the reader has
/// finished with piece i-1 and is waiting in the upstream for more. Ends (read returns 0) after the last piece.
/// </summary>
internal sealed class GatedStream : Stream
{
    private readonly byte[][] _pieces;
    private readonly TaskCompletionSource[] _asked;
    private readonly TaskCompletionSource[] _released;
    private byte[] _current = [];
    private int _offset;
    private int _next;

    public GatedStream(IEnumerable<byte[]> pieces)
    {
        _pieces = pieces.ToArray();
        _asked = _pieces.Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        _released = _pieces.Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
    }

    /// <summary>Completes when a read is waiting for piece <paramref name="index"/>.</summary>
    public Task Asked(int index) => _asked[index].Task;

    /// <summary>Lets the waiting (or next) read have piece <paramref name="index"/>.</summary>
    public void Release(int index) => _released[index].TrySetResult();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_offset == _current.Length)
        {
            if (_next == _pieces.Length) return 0;
            _asked[_next].TrySetResult();
            await _released[_next].Task.WaitAsync(cancellationToken);
            _current = _pieces[_next++];
            _offset = 0;
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
