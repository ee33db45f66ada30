using System.Text.Json;
using Gateway.Core.Protocol.Anthropic;
using Gateway.Policy.Abstractions;

namespace Gateway.Economy.Prompt;

/// <summary>
/// Token estimates of an Anthropic request's parts, the same way for the cache planner and the pruner: the text the
/// model reads (text, tool inputs and results, thinking, tool definitions) through the gateway's estimator, a flat
/// cost per image, and a small overhead per message for the role framing.
/// </summary>
internal static class RequestTokens
{
    /// <summary>Anthropic bills images by size (about 1,600 tokens for a large one); a flat, conservative figure.</summary>
    public const int PerImage = 1_600;

    /// <summary>Role and turn framing per message.</summary>
    public const int PerMessage = 4;

    public static int Tool(MessagesRequestTool tool, ITokenEstimator tokens) =>
        tokens.Count(tool.Name) + tokens.Count(tool.Description ?? "")
        + (tool.InputSchema.ValueKind == JsonValueKind.Undefined ? 0 : tokens.Count(tool.InputSchema.GetRawText()));

    public static int Block(MessagesRequestContentBlock block, ITokenEstimator tokens) => block.Type switch
    {
        "text" => tokens.Count(block.Text ?? ""),
        "image" => PerImage,
        "tool_use" => tokens.Count(block.Name ?? "") + (block.Input is { ValueKind: not JsonValueKind.Undefined } input ? tokens.Count(input.GetRawText()) : 0),
        "tool_result" => 2 + (block.Content?.Sum(b => Block(b, tokens)) ?? 0),
        "thinking" => tokens.Count(block.Thinking ?? ""),
        "redacted_thinking" => (block.Data?.Length ?? 0) / 4,
        _ => tokens.Count(block.Text ?? ""),
    };

    public static int Message(MessagesRequestMessage message, ITokenEstimator tokens) =>
        PerMessage + message.Content.Sum(b => Block(b, tokens));

    /// <summary>The whole request's input estimate: tools, system, messages.</summary>
    public static int Request(MessagesRequest request, ITokenEstimator tokens) =>
        (request.Tools?.Sum(t => Tool(t, tokens)) ?? 0)
        + (request.System?.Sum(b => Block(b, tokens)) ?? 0)
        + request.Messages.Sum(m => Message(m, tokens));
}
