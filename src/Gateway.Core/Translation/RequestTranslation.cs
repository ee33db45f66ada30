using Gateway.Core.Protocol.Anthropic;

namespace Gateway.Core.Translation;

/// <summary>The result of translating one Chat Completions request.</summary>
/// <param name="Request">The Messages request to send upstream.</param>
/// <param name="Shaping">What the response translators must honour.</param>
/// <param name="Adjustments">Short human-readable notes of everything dropped, adapted or clamped, in the order decided.</param>
public sealed record RequestTranslation(MessagesRequest Request, ResponseShaping Shaping, IReadOnlyList<string> Adjustments);
