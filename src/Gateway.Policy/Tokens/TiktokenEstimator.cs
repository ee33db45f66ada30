using System.Text;
using Gateway.Policy.Abstractions;
using Microsoft.ML.Tokenizers;

namespace Gateway.Policy.Tokens;

/// <summary>
/// Cuts text at token counts (head and tail), for caps measured in tokens. Implemented by <see cref="TiktokenEstimator"/>;
/// steps fall back to a chars-per-token ratio for other estimators.
/// </summary>
public interface ITokenIndexer
{
    /// <summary>Char index right after the first <paramref name="tokens"/> tokens of <paramref name="text"/> (text.Length when it has fewer).</summary>
    int IndexAfterTokens(string text, int tokens);

    /// <summary>Char index where the last <paramref name="tokens"/> tokens of <paramref name="text"/> start (0 when it has fewer).</summary>
    int IndexOfLastTokens(string text, int tokens);
}

/// <summary>
/// The gateway's token estimate: OpenAI's cl100k_base BPE (embedded data package, nothing downloaded at run time).
/// Close to, not equal to, Claude's count; deterministic, so the same text always gets the same estimate.
/// One process-wide instance (<see cref="Instance"/>): the tokenizer is immutable and thread-safe.
/// </summary>
public sealed class TiktokenEstimator : ITokenEstimator, ITokenIndexer
{
    private static readonly Lazy<TiktokenEstimator> Shared = new(() => new TiktokenEstimator(), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The shared estimator (the vocabulary is loaded once, on first use).</summary>
    public static TiktokenEstimator Instance => Shared.Value;

    private readonly TiktokenTokenizer _tokenizer;

    private TiktokenEstimator() => _tokenizer = TiktokenTokenizer.CreateForEncoding("cl100k_base");

    /// <inheritdoc />
    public int Count(string text)
    {
        // Fast path: nothing, or one ASCII character, is never more than one token (and the tokenizer's setup costs more than the answer).
        if (string.IsNullOrEmpty(text)) return 0;
        if (text.Length == 1 && text[0] < 128) return 1;
        return _tokenizer.CountTokens(text, considerPreTokenization: true, considerNormalization: false);
    }

    /// <summary>An upper bound on the token count that costs O(n) without tokenizing: byte-level BPE never makes a token of less than one UTF-8 byte.</summary>
    public static int UpperBound(string text) => string.IsNullOrEmpty(text) ? 0 : Encoding.UTF8.GetByteCount(text);

    /// <inheritdoc />
    public int IndexAfterTokens(string text, int tokens)
    {
        if (tokens <= 0 || string.IsNullOrEmpty(text)) return 0;
        var index = _tokenizer.GetIndexByTokenCount(text, tokens, out _, out _, considerPreTokenization: true, considerNormalization: false);
        return Math.Clamp(index, 0, text.Length);
    }

    /// <inheritdoc />
    public int IndexOfLastTokens(string text, int tokens)
    {
        if (string.IsNullOrEmpty(text)) return 0;
        if (tokens <= 0) return text.Length;
        var index = _tokenizer.GetIndexByTokenCountFromEnd(text, tokens, out _, out _, considerPreTokenization: true, considerNormalization: false);
        return Math.Clamp(index, 0, text.Length);
    }
}
