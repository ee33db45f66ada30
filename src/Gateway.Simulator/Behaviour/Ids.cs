namespace Gateway.Simulator.Behaviour;

/// <summary>Random ids in Anthropic's shapes (msg_01…, toolu_01…, req_01…).</summary>
internal static class Ids
{
    private static readonly char[] Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".ToCharArray();

    public static string Message() => "msg_01" + Random24();
    public static string ToolUse() => "toolu_01" + Random24();
    public static string Request() => "req_01" + Random24();

    private static string Random24() => new(Random.Shared.GetItems(Alphabet, 24));
}
