using Gateway.Core.Errors;
using Gateway.Core.Translation;

namespace Gateway.Core.Streaming;

/// <summary>
/// How one translated stream ended, returned as a value (never thrown) so the host can log and bill it, run response-stage rules on
/// it, and build the response-cache entry of a MISS from it (<c>CachedAnswer.TryFrom(StreamOutcome)</c>): the stream's one fold.
/// </summary>
/// <param name="Usage">Last cumulative upstream usage seen (zeros when the stream broke before message_start).</param>
/// <param name="FinishReason">OpenAI finish_reason sent to the client; null when the stream did not complete.</param>
/// <param name="Error">The upstream failure reported to the client in the stream (error event, cut connection, malformed event); null on success.</param>
/// <param name="ClientDisconnected">The client went away (cancellation or a failed write); reading stopped.</param>
/// <param name="UpstreamMessageId">Anthropic message id from message_start.</param>
/// <param name="ChunksWritten"><c>chat.completion.chunk</c> payloads written to the client.</param>
/// <param name="AnswerText">The <c>content</c> the client was sent, joined (up to <see cref="StreamAnswerFold.MaxTextBytes"/> of UTF-8);
/// empty when the text was not kept (<see cref="AnswerTextKept"/>).</param>
/// <param name="AnswerTextTruncated">The answer was longer than the cap: <paramref name="AnswerText"/> is its beginning only.</param>
/// <param name="ToolCalls">Names (as the client knows them) of the tools or the legacy function the model called, in order.</param>
public sealed record StreamOutcome(UsageSummary Usage, string? FinishReason, GatewayException? Error, bool ClientDisconnected, string? UpstreamMessageId, int ChunksWritten,
    string AnswerText, bool AnswerTextTruncated, IReadOnlyList<string> ToolCalls)
{
    /// <summary>The answer text was kept (the translator was asked to keep it); when false <see cref="AnswerText"/> is empty and says nothing.</summary>
    public bool AnswerTextKept { get; init; } = true;

    /// <summary>The model written into every chunk (<see cref="ResponseShaping.ResponseModel"/>).</summary>
    public string Model { get; init; } = "";

    /// <summary>The model message_start named; null when the stream broke before it.</summary>
    public string? UpstreamModel { get; init; }

    /// <summary>The <c>created</c> (Unix seconds) written into every chunk; 0 when no chunk was written.</summary>
    public long Created { get; init; }

    /// <summary>The answer was a legacy <c>function_call</c> (its name is in <see cref="ToolCalls"/>).</summary>
    public bool FunctionCalled { get; init; }

    /// <summary><c>reasoning_content</c> (thinking text) was sent.</summary>
    public bool ReasoningSent { get; init; }
}
