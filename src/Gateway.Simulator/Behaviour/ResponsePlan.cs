namespace Gateway.Simulator.Behaviour;

/// <summary>One content block of the simulated answer.</summary>
/// <param name="Type">text, thinking or tool_use.</param>
/// <param name="Text">Text or thinking text; for tool_use the input JSON (compact).</param>
internal sealed record PlannedBlock(string Type, string Text, string? Id = null, string? Name = null, string? Signature = null)
{
    public static PlannedBlock TextBlock(string text) => new("text", text);
    public static PlannedBlock ToolUse(string id, string name, string inputJson) => new("tool_use", inputJson, id, name);
    public static PlannedBlock Thinking(string text, string signature) => new("thinking", text, Signature: signature);
}

/// <summary>What to answer, decided before the first byte is written.</summary>
internal sealed class ResponsePlan
{
    public List<PlannedBlock> Blocks { get; } = [];
    public string StopReason { get; set; } = "end_turn";
    public string? StopSequence { get; set; }
    /// <summary>Answer this HTTP error instead of a message.</summary>
    public ApiErrorException? Error { get; set; }
    /// <summary>Stream: send some text, then an <c>event: error</c> of this type and close.</summary>
    public string? StreamErrorType { get; set; }
    public int DelayMs { get; set; }
    public int SlowMs { get; set; }

    public int OutputTokens => TokenEstimator.Output(Blocks.Sum(b => b.Text.Length + (b.Name?.Length ?? 0)));
}
