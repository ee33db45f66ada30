using System.Collections.Concurrent;

namespace Gateway.Core.Translation;

/// <summary>
/// Bounded in-process <see cref="IThinkingStore"/>: when full, the oldest entries go first.
/// A lost entry is not an error: the request side then turns thinking off for that request instead of sending an invalid turn.
/// </summary>
public sealed class InMemoryThinkingStore(int capacity = 10_000) : IThinkingStore
{
    private readonly ConcurrentDictionary<string, StoredThinking> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _order = new();

    public void Save(string toolCallId, StoredThinking thinking)
    {
        if (_entries.TryAdd(toolCallId, thinking)) _order.Enqueue(toolCallId);
        else _entries[toolCallId] = thinking;
        while (_entries.Count > capacity && _order.TryDequeue(out var oldest)) _entries.TryRemove(oldest, out _);
    }

    /// <summary>Always completes synchronously.</summary>
    public ValueTask<StoredThinking?> GetAsync(string toolCallId, CancellationToken ct = default) =>
        new(_entries.TryGetValue(toolCallId, out var thinking) ? thinking : null);
}
