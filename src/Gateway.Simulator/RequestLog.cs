using System.Collections.Concurrent;

namespace Gateway.Simulator;

/// <summary>
/// Bounded, lock-free record of received requests. Under load the count may briefly exceed the
/// limit by the number of concurrent writers; it is trimmed back on the next append.
/// </summary>
internal sealed class RequestLog(int limit)
{
    private readonly ConcurrentQueue<RecordedRequest> _items = new();
    private int _count;

    public void Add(RecordedRequest request)
    {
        if (limit <= 0) return;
        _items.Enqueue(request);
        if (Interlocked.Increment(ref _count) <= limit) return;
        while (Volatile.Read(ref _count) > limit && _items.TryDequeue(out _))
            Interlocked.Decrement(ref _count);
    }

    public IReadOnlyList<RecordedRequest> Snapshot() => _items.ToArray();

    public void Clear()
    {
        while (_items.TryDequeue(out _)) Interlocked.Decrement(ref _count);
    }
}
