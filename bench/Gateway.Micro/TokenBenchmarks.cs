using BenchmarkDotNet.Attributes;
using Gateway.Core.Protocol.OpenAi;
using Gateway.Policy.Tokens;
using Microsoft.ML.Tokenizers;

namespace Gateway.Micro;

/// <summary>
/// Token count of one large block: the longest text of the largest Continue request (its system prompt or a file read).
/// Memoized: the gateway's estimator, which remembers counts of long texts (agent sessions resend the same blocks every
/// turn). Not memoized: the same cl100k_base tokenizer counting it afresh, as the estimator does on first sight.
/// </summary>
[MemoryDiagnoser]
public class TokenBenchmarks
{
    private string _text = "";
    private TiktokenTokenizer _raw = null!;

    [GlobalSetup]
    public void Setup()
    {
        var request = ChatCompletionRequestParser.Parse(Fixtures.Request("large").Body);
        _text = request.Messages!.SelectMany(m => Texts(m.Content)).MaxBy(t => t.Length)!;
        _raw = TiktokenTokenizer.CreateForEncoding("cl100k_base");
        Console.WriteLine($"// large block: {_text.Length} chars, {TiktokenEstimator.Instance.Count(_text)} tokens");
    }

    private static IEnumerable<string> Texts(System.Text.Json.JsonElement? content)
    {
        if (content is { ValueKind: System.Text.Json.JsonValueKind.String } s) yield return s.GetString() ?? "";
        else if (content is { ValueKind: System.Text.Json.JsonValueKind.Array } parts)
            foreach (var p in parts.EnumerateArray())
                if (p.ValueKind == System.Text.Json.JsonValueKind.Object && p.TryGetProperty("text", out var t) && t.ValueKind == System.Text.Json.JsonValueKind.String)
                    yield return t.GetString() ?? "";
    }

    [Benchmark(Baseline = true, Description = "count large block, not memoized (tokenizer)")]
    public int NotMemoized() => _raw.CountTokens(_text, considerPreTokenization: true, considerNormalization: false);

    [Benchmark(Description = "count large block, memoized (estimator)")]
    public int Memoized() => TiktokenEstimator.Instance.Count(_text);
}
