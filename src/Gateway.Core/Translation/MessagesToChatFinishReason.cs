namespace Gateway.Core.Translation;

/// <summary>Anthropic <c>stop_reason</c> -> OpenAI <c>finish_reason</c>.</summary>
public static class MessagesToChatFinishReason
{
    // | Anthropic stop_reason           | OpenAI finish_reason                         |
    // |---------------------------------|----------------------------------------------|
    // | end_turn                        | stop                                         |
    // | stop_sequence                   | stop                                         |
    // | pause_turn                      | stop (server tool loop paused; client may resend) |
    // | max_tokens                      | length                                       |
    // | model_context_window_exceeded   | length                                       |
    // | tool_use                        | tool_calls (function_call for legacy functions; stop in json mode) |
    // | refusal                         | content_filter                               |
    // | null / unknown                  | stop                                         |

    public const string Stop = "stop";
    public const string Length = "length";
    public const string ToolCalls = "tool_calls";
    public const string FunctionCall = "function_call";
    public const string ContentFilter = "content_filter";

    /// <param name="stopReason">Anthropic stop_reason.</param>
    /// <param name="shaping">What the request side decided.</param>
    /// <param name="answeredWithJsonTool">The forced json-mode tool was called: its input is the content, so the answer is a plain stop.</param>
    public static string Map(string? stopReason, ResponseShaping shaping, bool answeredWithJsonTool = false) => stopReason switch
    {
        "end_turn" or "stop_sequence" or "pause_turn" => Stop,
        "max_tokens" or "model_context_window_exceeded" => Length,
        "tool_use" when answeredWithJsonTool => Stop,
        "tool_use" when shaping.LegacyFunctions => FunctionCall,
        "tool_use" => ToolCalls,
        "refusal" => ContentFilter,
        _ => Stop,
    };
}
