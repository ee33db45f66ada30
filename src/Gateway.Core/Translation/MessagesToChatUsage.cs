using Gateway.Core.Protocol.OpenAi;

namespace Gateway.Core.Translation;

/// <summary>Anthropic usage -> OpenAI <c>usage</c>, shared by the non-stream and stream translators.</summary>
public static class MessagesToChatUsage
{
    public static ChatCompletionResponseUsage ToOpenAi(UsageSummary usage, int reasoningTokens) => new()
    {
        PromptTokens = usage.PromptTokens,
        CompletionTokens = usage.OutputTokens,
        TotalTokens = usage.TotalTokens,
        PromptTokensDetails = new(usage.CacheReadInputTokens),
        CompletionTokensDetails = new(reasoningTokens),
    };

    /// <summary>
    /// Anthropic bills thinking as output without a separate count; estimate it from the thinking text
    /// (about four UTF-16 chars a token), never more than the output itself. 0 without visible thinking.
    /// </summary>
    public static int EstimateReasoningTokens(long thinkingChars, int outputTokens) =>
        thinkingChars <= 0 ? 0 : (int)Math.Min(outputTokens, (thinkingChars + 3) / 4);
}
