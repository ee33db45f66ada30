using System.Buffers;

namespace Gateway.Core.Streaming;

/// <summary>
/// Incremental Server-Sent Events parser (WHATWG HTML §9.2.6) over bytes arriving in arbitrary pieces.
/// Consumes whole lines only (<c>\n</c> or <c>\r\n</c>), so a partial line — including a UTF-8 character split
/// across reads — stays in the caller's buffer until the rest arrives. An event ends at a blank line;
/// several <c>data:</c> lines are joined with <c>\n</c>; comments (<c>:</c>) and <c>id:</c>/<c>retry:</c> are ignored.
/// As the spec says, an event not ended by a blank line when the input ends is discarded (the caller reports the cut).
/// Data is accumulated in a pooled buffer; <see cref="Dispose"/> returns it. Not thread-safe.
/// </summary>
internal sealed class SseEventParser : IDisposable
{
    /// <summary>An event larger than this is an upstream fault, not something to buffer forever.</summary>
    public const int MaxEventBytes = 16 * 1024 * 1024;

    private byte[] _data = ArrayPool<byte>.Shared.Rent(4096);
    private int _dataLength;
    private bool _hasData;
    private readonly byte[] _event = new byte[64];
    private int _eventLength;
    private bool _hasEvent;
    private bool _dispatched;

    /// <summary>The <c>event:</c> field of the last complete event (empty when absent; names longer than 64 bytes are cut).</summary>
    public ReadOnlySpan<byte> EventName => _event.AsSpan(0, _eventLength);

    /// <summary>The joined <c>data:</c> lines of the last complete event.</summary>
    public ReadOnlySpan<byte> Data => _data.AsSpan(0, _dataLength);

    /// <summary>
    /// Reads complete lines from <paramref name="reader"/> until an event is complete (true: read <see cref="EventName"/>/<see cref="Data"/>)
    /// or no complete line is left (false: the reader stops at the start of the partial line).
    /// </summary>
    public bool TryReadEvent(ref SequenceReader<byte> reader)
    {
        ClearIfDispatched();
        while (reader.TryReadTo(out ReadOnlySequence<byte> line, (byte)'\n'))
        {
            if (ProcessLine(line)) return true;
        }
        return false;
    }

    private void ClearIfDispatched()
    {
        if (!_dispatched) return;
        _dispatched = false;
        _dataLength = 0;
        _eventLength = 0;
        _hasData = _hasEvent = false;
    }

    /// <returns>True when the line was blank and completed an event.</returns>
    private bool ProcessLine(ReadOnlySequence<byte> sequence)
    {
        if (sequence.IsSingleSegment) return ProcessLine(sequence.FirstSpan);
        var length = checked((int)sequence.Length);
        if (length > MaxEventBytes) throw new InvalidDataException("Upstream SSE line exceeds the size limit.");
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            sequence.CopyTo(rented);
            return ProcessLine(rented.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private bool ProcessLine(ReadOnlySpan<byte> line)
    {
        if (!line.IsEmpty && line[^1] == (byte)'\r') line = line[..^1];
        if (line.IsEmpty)
        {
            if (!_hasData && !_hasEvent) return false;
            _dispatched = true;
            return true;
        }
        if (line[0] == (byte)':') return false;

        ReadOnlySpan<byte> field, value;
        var colon = line.IndexOf((byte)':');
        if (colon < 0) { field = line; value = default; }
        else
        {
            field = line[..colon];
            value = line[(colon + 1)..];
            if (!value.IsEmpty && value[0] == (byte)' ') value = value[1..];
        }

        if (field.SequenceEqual("data"u8))
        {
            if (_hasData) Append("\n"u8);
            Append(value);
            _hasData = true;
        }
        else if (field.SequenceEqual("event"u8))
        {
            _eventLength = Math.Min(value.Length, _event.Length);
            value[.._eventLength].CopyTo(_event);
            _hasEvent = true;
        }
        return false;
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        var needed = _dataLength + bytes.Length;
        if (needed > MaxEventBytes) throw new InvalidDataException("Upstream SSE event exceeds the size limit.");
        if (needed > _data.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, _data.Length * 2));
            _data.AsSpan(0, _dataLength).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_data);
            _data = bigger;
        }
        bytes.CopyTo(_data.AsSpan(_dataLength));
        _dataLength = needed;
    }

    public void Dispose()
    {
        var data = _data;
        _data = [];
        _dataLength = 0;
        if (data.Length > 0) ArrayPool<byte>.Shared.Return(data);
    }
}
