namespace Gateway.Core.Translation;

/// <summary>Settings of <see cref="ChatToMessagesRequestTranslator"/>.</summary>
/// <param name="DefaultMaxTokens"><c>max_tokens</c> when the client sends none (Anthropic requires it); then capped at the model's max output.</param>
public sealed record TranslationOptions(int DefaultMaxTokens = 4096);
