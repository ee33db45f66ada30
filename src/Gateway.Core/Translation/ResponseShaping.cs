namespace Gateway.Core.Translation;

/// <summary>
/// What the request translation decided that the response translation must honour.
/// Produced by <see cref="ChatToMessagesRequestTranslator"/> for one request, consumed by the
/// non-stream and stream response translators for the same request. Immutable.
/// </summary>
/// <param name="ResponseModel">The model id written into <c>model</c> of the OpenAI response (the upstream model id).</param>
/// <param name="LegacyFunctions">The request used <c>functions</c>/<c>function_call</c>: answer with <c>message.function_call</c> and <c>finish_reason: function_call</c> instead of <c>tool_calls</c>.</param>
/// <param name="JsonModeToolName">When <c>response_format: json_schema</c> was honoured by forcing this tool, its tool_use input is the answer: emitted as <c>content</c> (a JSON string), finish_reason <c>stop</c>.</param>
/// <param name="IncludeUsage"><c>stream_options.include_usage</c>: emit a final chunk with empty <c>choices</c> and <c>usage</c>.</param>
/// <param name="ToolNamesToClient">Tool names that had to be changed for Anthropic (upstream name -> name the client sent); names not listed pass as-is.</param>
public sealed record ResponseShaping(
    string ResponseModel,
    bool LegacyFunctions = false,
    string? JsonModeToolName = null,
    bool IncludeUsage = false,
    IReadOnlyDictionary<string, string>? ToolNamesToClient = null)
{
    /// <summary>The client's name for an upstream tool name.</summary>
    public string ClientToolName(string upstreamName) =>
        ToolNamesToClient is not null && ToolNamesToClient.TryGetValue(upstreamName, out var n) ? n : upstreamName;
}
