namespace Gateway.Core.Translation;

/// <summary>
/// One thinking block as Anthropic returned it. With extended thinking on, Anthropic requires the assistant's
/// thinking blocks (signature intact) before its tool_use in the last turn; OpenAI clients never send them back,
/// so the response side stores them here by tool-call id and the request side restores them.
/// </summary>
/// <param name="Type"><c>thinking</c> or <c>redacted_thinking</c>.</param>
/// <param name="Thinking">The thinking text (type <c>thinking</c>).</param>
/// <param name="Signature">The signature (type <c>thinking</c>).</param>
/// <param name="Data">The encrypted payload (type <c>redacted_thinking</c>).</param>
public sealed record StoredThinkingBlock(string Type, string? Thinking, string? Signature, string? Data);

/// <summary>The thinking blocks that preceded a tool call, and the model that wrote them (they are only valid for that model).</summary>
public sealed record StoredThinking(string Model, IReadOnlyList<StoredThinkingBlock> Blocks);

/// <summary>
/// Remembers thinking blocks by the tool-call id they preceded. Implementations are thread-safe and bounded, and never block the
/// calling thread: <see cref="Save"/> is write-behind, <see cref="GetAsync"/> answers a local copy synchronously and awaits a shared
/// store (bounded, fail-open) only on a local miss. The request translator never reads the store itself: the caller loads what it
/// needs first (<see cref="ThinkingPrefetch"/>).
/// </summary>
public interface IThinkingStore
{
    /// <summary>Stores the thinking that preceded <paramref name="toolCallId"/>. Never waits (a shared store is written behind).</summary>
    void Save(string toolCallId, StoredThinking thinking);

    /// <summary>The thinking stored for <paramref name="toolCallId"/>, or null. Throws only when <paramref name="ct"/> is cancelled.</summary>
    ValueTask<StoredThinking?> GetAsync(string toolCallId, CancellationToken ct = default);
}
