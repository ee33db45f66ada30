using System.Text;
using Gateway.Core.Protocol.Anthropic;
using Gateway.Core.Protocol.OpenAi;

namespace Gateway.Core.Translation;

/// <summary>
/// Anthropic <c>Message</c> -> OpenAI <c>chat.completion</c> for one non-streaming answer.
/// Honours <see cref="ResponseShaping"/>: response model, tool names mapped back, legacy functions, json mode.
/// Thinking blocks that precede a tool call are saved in the <see cref="IThinkingStore"/> under each tool call id,
/// because OpenAI clients never send them back but Anthropic needs them on the next turn. Stateless; thread-safe.
/// </summary>
public sealed class MessagesToChatResponseTranslator(IThinkingStore thinking, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public ChatCompletionResponse Translate(MessagesResponse response, ResponseShaping shaping)
    {
        StringBuilder? text = null;
        StringBuilder? reasoning = null;
        List<ChatCompletionResponseToolCall>? toolCalls = null;
        ChatCompletionResponseFunctionCall? functionCall = null;
        string? jsonContent = null;
        List<StoredThinkingBlock>? thinkingBlocks = null;
        List<string>? toolIdsAfterThinking = null;

        foreach (var block in response.Content)
        {
            switch (block.Type)
            {
                case "text":
                    (text ??= new()).Append(block.Text);
                    break;
                case "thinking":
                    (reasoning ??= new()).Append(block.Thinking);
                    (thinkingBlocks ??= []).Add(new StoredThinkingBlock("thinking", block.Thinking ?? "", block.Signature, null));
                    break;
                case "redacted_thinking":
                    (thinkingBlocks ??= []).Add(new StoredThinkingBlock("redacted_thinking", null, null, block.Data));
                    break;
                case "tool_use":
                    var id = block.Id ?? "";
                    var upstreamName = block.Name ?? "";
                    var arguments = block.Input is { } input ? input.GetRawText() : "{}";
                    if (thinkingBlocks is not null) (toolIdsAfterThinking ??= []).Add(id);
                    if (shaping.JsonModeToolName is not null && upstreamName == shaping.JsonModeToolName)
                        jsonContent ??= arguments;
                    else if (shaping.LegacyFunctions)
                        functionCall ??= new() { Name = shaping.ClientToolName(upstreamName), Arguments = arguments };
                    else
                        (toolCalls ??= []).Add(new()
                        {
                            Id = id,
                            Function = new() { Name = shaping.ClientToolName(upstreamName), Arguments = arguments },
                        });
                    break;
                // Server tool blocks, citations-only blocks and future types carry nothing an OpenAI client can use.
            }
        }

        if (thinkingBlocks is not null && toolIdsAfterThinking is not null)
        {
            var stored = new StoredThinking(response.Model ?? shaping.ResponseModel, thinkingBlocks);
            foreach (var id in toolIdsAfterThinking) thinking.Save(id, stored);
        }

        var usage = Usage(response);
        var answeredWithJsonTool = jsonContent is not null && toolCalls is null && functionCall is null;
        return new ChatCompletionResponse
        {
            Id = "chatcmpl-" + response.Id,
            Created = _time.GetUtcNow().ToUnixTimeSeconds(),
            Model = shaping.ResponseModel,
            Choices =
            [
                new()
                {
                    Index = 0,
                    Message = new()
                    {
                        // Json mode: the forced tool's input is the answer; any preamble text would make it invalid JSON.
                        Content = jsonContent ?? text?.ToString(),
                        ToolCalls = toolCalls,
                        FunctionCall = functionCall,
                        ReasoningContent = reasoning?.ToString(),
                    },
                    FinishReason = MessagesToChatFinishReason.Map(response.StopReason, shaping, answeredWithJsonTool),
                },
            ],
            Usage = MessagesToChatUsage.ToOpenAi(usage, MessagesToChatUsage.EstimateReasoningTokens(reasoning?.Length ?? 0, usage.OutputTokens)),
        };
    }

    /// <summary>Upstream usage; missing counts are 0.</summary>
    public static UsageSummary Usage(MessagesResponse response) => response.Usage is not { } u
        ? UsageSummary.Zero
        : new(u.InputTokens ?? 0, u.OutputTokens ?? 0, u.CacheCreationInputTokens ?? 0, u.CacheReadInputTokens ?? 0);
}
