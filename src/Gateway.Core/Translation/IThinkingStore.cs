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

/// <summary>Remembers thinking blocks by the tool-call id they preceded. Implementations are thread-safe and bounded.</summary>
public interface IThinkingStore
{
    void Save(string toolCallId, StoredThinking thinking);
    bool TryGet(string toolCallId, out StoredThinking? thinking);
}
