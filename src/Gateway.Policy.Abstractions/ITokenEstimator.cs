namespace Gateway.Policy.Abstractions;

/// <summary>Estimates tokens the way the gateway does everywhere (a BPE tokenizer; close to, not equal to, Claude's count).</summary>
public interface ITokenEstimator
{
    /// <summary>Estimated tokens of <paramref name="text"/>.</summary>
    int Count(string text);
}
