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

    // BPE merges within one pre-token cost O(n^2) in its length, and real traffic has huge pre-tokens (minified code,
    // base64, a pasted 1 MB line): tokenizing them whole takes seconds. Text is therefore counted in chunks of at most
    // ChunkChars, cut at whitespace where possible; a cut inside a long word shifts the estimate by a token or so.
    private const int ChunkChars = 2048;

    // Agent sessions resend the same blocks every turn, and one request counts the same texts several times (policy estimate,
    // context pruner, prompt-cache layout): counts are memoized. Short texts too: a tokenizer call costs microseconds of setup
    // even for a tool name, a dictionary hit tens of nanoseconds. Bounded by total characters, each entry charged its
    // overhead (node, key and boxed count, in chars) on top of its length, so many short entries cannot outgrow the bound.
    private const int MemoMinChars = 2;
    private const int MemoEntryOverheadChars = 40;
    private const long MemoMaxChars = 32L * 1024 * 1024;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _memo = new(StringComparer.Ordinal);
    private long _memoChars;

    private readonly TiktokenTokenizer _tokenizer;

    private TiktokenEstimator() => _tokenizer = TiktokenTokenizer.CreateForEncoding("cl100k_base");

    /// <inheritdoc />
    public int Count(string text)
    {
        // Fast path: nothing, or one ASCII character, is never more than one token (and the tokenizer's setup costs more than the answer).
        if (string.IsNullOrEmpty(text)) return 0;
        if (text.Length == 1 && text[0] < 128) return 1;
        if (text.Length < MemoMinChars) return CountChunked(text);
        if (_memo.TryGetValue(text, out var known)) return known;
        var count = CountChunked(text);
        var charge = text.Length + MemoEntryOverheadChars;
        if (Interlocked.Add(ref _memoChars, charge) > MemoMaxChars)
        {
            _memo.Clear();
            Interlocked.Exchange(ref _memoChars, charge);
        }
        _memo.TryAdd(text, count);
        return count;
    }

    private int CountChunked(string text)
    {
        if (text.Length <= ChunkChars) return _tokenizer.CountTokens(text, considerPreTokenization: true, considerNormalization: false);
        var total = 0;
        for (var start = 0; start < text.Length;)
        {
            var end = ChunkEnd(text, start);
            total += _tokenizer.CountTokens(text.AsSpan(start, end - start), considerPreTokenization: true, considerNormalization: false);
            start = end;
        }
        return total;
    }

    /// <summary>End of the chunk starting at <paramref name="start"/>: at most ChunkChars on, just after the last whitespace in its second half if any.</summary>
    private static int ChunkEnd(string text, int start)
    {
        var end = Math.Min(text.Length, start + ChunkChars);
        if (end == text.Length) return end;
        for (var i = end - 1; i > start + ChunkChars / 2; i--)
            if (char.IsWhiteSpace(text[i])) return i + 1;
        return char.IsHighSurrogate(text[end - 1]) ? end - 1 : end; // never split a surrogate pair
    }

    /// <summary>An upper bound on the token count that costs O(n) without tokenizing: byte-level BPE never makes a token of less than one UTF-8 byte.</summary>
    public static int UpperBound(string text) => string.IsNullOrEmpty(text) ? 0 : Encoding.UTF8.GetByteCount(text);

    /// <inheritdoc />
    public int IndexAfterTokens(string text, int tokens)
    {
        if (tokens <= 0 || string.IsNullOrEmpty(text)) return 0;
        // Walk whole chunks while they fit, then cut inside the chunk where the count runs out (same chunking as Count).
        var remaining = tokens;
        for (var start = 0; start < text.Length;)
        {
            var end = ChunkEnd(text, start);
            var chunk = text.Substring(start, end - start);
            var inChunk = _tokenizer.CountTokens(chunk, considerPreTokenization: true, considerNormalization: false);
            if (inChunk >= remaining)
                return start + Math.Clamp(_tokenizer.GetIndexByTokenCount(chunk, remaining, out _, out _, considerPreTokenization: true, considerNormalization: false), 0, chunk.Length);
            remaining -= inChunk;
            start = end;
        }
        return text.Length;
    }

    /// <inheritdoc />
    public int IndexOfLastTokens(string text, int tokens)
    {
        if (string.IsNullOrEmpty(text)) return 0;
        if (tokens <= 0) return text.Length;
        var bounds = new List<(int Start, int End)>();
        for (var start = 0; start < text.Length;)
        {
            var end = ChunkEnd(text, start);
            bounds.Add((start, end));
            start = end;
        }
        var remaining = tokens;
        for (var i = bounds.Count - 1; i >= 0; i--)
        {
            var chunk = text.Substring(bounds[i].Start, bounds[i].End - bounds[i].Start);
            var inChunk = _tokenizer.CountTokens(chunk, considerPreTokenization: true, considerNormalization: false);
            if (inChunk >= remaining)
                return bounds[i].Start + Math.Clamp(_tokenizer.GetIndexByTokenCountFromEnd(chunk, remaining, out _, out _, considerPreTokenization: true, considerNormalization: false), 0, chunk.Length);
            remaining -= inChunk;
        }
        return 0;
    }
}
