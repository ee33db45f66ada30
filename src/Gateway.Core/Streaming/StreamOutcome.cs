using Gateway.Core.Errors;
using Gateway.Core.Translation;

namespace Gateway.Core.Streaming;

/// <summary>
/// How one translated stream ended, returned as a value (never thrown) so the host can log and bill it.
/// </summary>
/// <param name="Usage">Last cumulative upstream usage seen (zeros when the stream broke before message_start).</param>
/// <param name="FinishReason">OpenAI finish_reason sent to the client; null when the stream did not complete.</param>
/// <param name="Error">The upstream failure reported to the client in the stream (error event, cut connection, malformed event); null on success.</param>
/// <param name="ClientDisconnected">The client went away (cancellation or a failed write); reading stopped.</param>
/// <param name="UpstreamMessageId">Anthropic message id from message_start.</param>
/// <param name="ChunksWritten"><c>chat.completion.chunk</c> payloads written to the client.</param>
/// <param name="AnswerText">The <c>content</c> the client was sent, joined (up to <see cref="StreamAnswerFold.MaxTextBytes"/> of UTF-8).</param>
/// <param name="AnswerTextTruncated">The answer was longer than the cap: <paramref name="AnswerText"/> is its beginning only.</param>
/// <param name="ToolCalls">Names (as the client knows them) of the tools or the legacy function the model called, in order.</param>
public sealed record StreamOutcome(UsageSummary Usage, string? FinishReason, GatewayException? Error, bool ClientDisconnected, string? UpstreamMessageId, int ChunksWritten,
    string AnswerText, bool AnswerTextTruncated, IReadOnlyList<string> ToolCalls);
