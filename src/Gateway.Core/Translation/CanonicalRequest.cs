using Gateway.Core.Protocol.Anthropic;

namespace Gateway.Core.Translation;

/// <summary>
/// What the client asked for beyond the conversation itself, in the ingress API's terms but independent of it: the policy
/// layer's view shows it, and the model's parameter rules apply it once the model is known.
/// </summary>
/// <param name="Model">The model name the client sent (before aliases, prefixes and routing).</param>
/// <param name="MaxTokens">The output limit the client asked for, if any.</param>
/// <param name="Temperature">Sampling temperature as sent (OpenAI's 0-2 range for the OpenAI ingress).</param>
/// <param name="TopP">Nucleus sampling as sent.</param>
/// <param name="Stream">Whether the client wants a stream.</param>
/// <param name="ReasoningEffort">Reasoning effort as sent (<c>low</c>, <c>high</c>, ...), if any.</param>
public sealed record ClientIntent(string? Model, int? MaxTokens, double? Temperature, double? TopP, bool Stream, string? ReasoningEffort);

/// <summary>
/// The gateway's one request shape: an Anthropic Messages request built by an ingress translator, before the model is final.
/// Policies, the token economy and the model's parameter rules work on <see cref="Request"/> in that order; the ingress that
/// built it finishes it (<see cref="ChatToMessagesRequestTranslator.ApplyModelRules"/>) once the policy layer chose the model.
/// <see cref="Request"/>'s messages and blocks may be edited in place (texts replaced, system blocks added) but not replaced:
/// the ingress keeps references to them.
/// </summary>
public sealed class CanonicalRequest
{
    internal CanonicalRequest(MessagesRequest request, ClientIntent intent, IReadOnlyDictionary<string, string> clientToolNames,
        IReadOnlyDictionary<MessagesRequestContentBlock, int>? blockOrigins, IReadOnlyDictionary<MessagesRequestContentBlock, StrayToolResult>? strayResults,
        object ingressState)
    {
        Request = request;
        BlockOrigins = blockOrigins;
        StrayResults = strayResults;
        Intent = intent;
        ClientToolNames = clientToolNames;
        IngressState = ingressState;
    }

    /// <summary>The Messages request being shaped: system, messages, tools, stop, metadata; model and parameters are set last.</summary>
    public MessagesRequest Request { get; }

    public ClientIntent Intent { get; }

    /// <summary>Upstream tool name -> the client's name, for names the ingress had to change (the others are the same).</summary>
    public IReadOnlyDictionary<string, string> ClientToolNames { get; }

    /// <summary>
    /// For an ingress whose messages do not map one to one onto Messages turns (OpenAI's consecutive user messages, tool messages):
    /// the index of the client message each top-level block (system, message content) came from. Blocks without an entry were made
    /// up by the gateway (placeholder turns, synthetic results) and are not the client's. Null: every block is the client's, as sent.
    /// </summary>
    public IReadOnlyDictionary<MessagesRequestContentBlock, int>? BlockOrigins { get; }

    /// <summary>
    /// Text blocks that carry a client tool result which answered no tool call (the API refuses such a tool_result): to rules they
    /// are still tool results. Null when there are none.
    /// </summary>
    public IReadOnlyDictionary<MessagesRequestContentBlock, StrayToolResult>? StrayResults { get; }

    /// <summary>Notes of everything the ingress dropped or adapted so far; the model's rules add theirs.</summary>
    public List<string> Adjustments { get; } = [];

    /// <summary>The client's name of an upstream tool.</summary>
    public string ClientToolName(string upstreamName) => ClientToolNames.TryGetValue(upstreamName, out var client) ? client : upstreamName;

    /// <summary>What the ingress keeps for its last step (the parsed client request, id maps): opaque to everyone else.</summary>
    internal object IngressState { get; }
}

/// <summary>A client tool result sent as text because it answered no tool call: <see cref="Label"/> then the result's text.</summary>
/// <param name="Label">What precedes the client's text in the block (e.g. <c>[Result of tool call x]\n</c>).</param>
/// <param name="ToolCallId">The tool call id the client named, if any.</param>
public sealed record StrayToolResult(string Label, string? ToolCallId);
