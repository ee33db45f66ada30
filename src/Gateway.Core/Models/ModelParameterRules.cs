namespace Gateway.Core.Models;

/// <summary>How a model enables thinking on the Messages API.</summary>
public enum ThinkingMode
{
    /// <summary>No extended thinking.</summary>
    None,
    /// <summary><c>thinking: {type: enabled, budget_tokens}</c>.</summary>
    Manual,
    /// <summary><c>thinking: {type: adaptive}</c>, depth via <c>output_config.effort</c>.</summary>
    Adaptive,
}

/// <summary>What a model does when the request has no <c>thinking</c> field.</summary>
public enum ThinkingDefault
{
    /// <summary>Does not think unless asked.</summary>
    Off,
    /// <summary>Thinks by default; <c>{type: disabled}</c> is accepted.</summary>
    On,
    /// <summary>Always thinks; disabling (or a manual budget) is a 400.</summary>
    Always,
}

/// <summary>
/// Per-model parameter rules (the <c>rules:</c> map of a model in <c>policies/models.yaml</c>).
/// The request translator reads them so it never sends what the model rejects.
/// </summary>
public sealed record ModelParameterRules(
    ThinkingMode Thinking = ThinkingMode.Manual,
    ThinkingDefault ThinkingDefault = ThinkingDefault.Off,
    bool EffortSupported = false,
    bool TemperatureAndTopPExclusive = false,
    bool SamplingParamsRejected = false,
    bool ForcedToolChoiceRejected = false,
    bool ForcedToolChoiceWithThinkingRejected = true,
    bool AssistantPrefillRejected = false)
{
    /// <summary>Rules assumed for a Claude id that is not in the catalogue: the strictest common subset.</summary>
    public static ModelParameterRules Unknown { get; } = new(
        Thinking: ThinkingMode.None, TemperatureAndTopPExclusive: true, ForcedToolChoiceWithThinkingRejected: true);
}
