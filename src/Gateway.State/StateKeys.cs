namespace Gateway.State;

/// <summary>
/// Redis key prefixes, versioned so a change of value format can move to <c>v2</c> without reading old values. Every key the gateway
/// writes starts with <c>cg:</c>, so a shared Redis can be inspected or flushed by prefix.
/// </summary>
public static class StateKeys
{
    public const string ResponseCache = "cg:v1:resp:";
    public const string SessionModel = "cg:v1:sess:";
    public const string PrefixHash = "cg:v1:prefix:";
    public const string Thinking = "cg:v1:think:";
}
