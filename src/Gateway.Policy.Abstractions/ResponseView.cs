namespace Gateway.Policy.Abstractions;

/// <summary>The answer, folded into one shape whether it was streamed or not, for rules of the response stage (observe and tag).</summary>
/// <param name="Model">The model that answered.</param>
/// <param name="FinishReason">OpenAI finish reason (stop, length, tool_calls, content_filter), if any.</param>
/// <param name="Text">The answer text (<c>content</c>), the same for a stream and a JSON response; a streamed answer is kept up to 1 MiB (see <see cref="TextTruncated"/>).</param>
/// <param name="ToolCalls">Names of the tools (or the legacy function) the model called.</param>
/// <param name="InputTokens">Input tokens billed upstream (incl. cache reads and writes).</param>
/// <param name="OutputTokens">Output tokens billed upstream.</param>
/// <param name="CacheReadTokens">Input tokens read from the prompt cache.</param>
public sealed record ResponseView(string Model, string? FinishReason, string Text, IReadOnlyList<string> ToolCalls, int InputTokens, int OutputTokens, int CacheReadTokens)
{
    /// <summary>The answer was longer than the gateway keeps for rules (streams: 1 MiB): <see cref="Text"/> is its beginning only.</summary>
    public bool TextTruncated { get; init; }
}
