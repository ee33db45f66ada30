using Gateway.Policy.Tokens;

namespace Gateway.Policy.Tests.Pipeline;

public class TiktokenEstimatorTests
{
    [Theory]
    [InlineData("", 0)]
    [InlineData("a", 1)]
    [InlineData("hello world", 2)]
    [InlineData("The quick brown fox jumps over the lazy dog.", 10)]
    public void Counts_cl100k_tokens(string text, int expected) => Assert.Equal(expected, TiktokenEstimator.Instance.Count(text));

    [Fact]
    public void Upper_bound_is_never_below_the_count_and_indexes_cut_at_token_boundaries()
    {
        var t = TiktokenEstimator.Instance;
        var text = string.Concat(Enumerable.Repeat("line of text with ünïcödé and 表意文字\n", 50));
        Assert.True(TiktokenEstimator.UpperBound(text) >= t.Count(text));
        var head = t.IndexAfterTokens(text, 20);
        Assert.InRange(t.Count(text[..head]), 18, 20);
        var tail = t.IndexOfLastTokens(text, 20);
        Assert.InRange(t.Count(text[tail..]), 18, 20);
        Assert.Same(TiktokenEstimator.Instance, t);
    }

    [Fact]
    public void Long_text_counted_in_chunks_stays_within_half_a_percent_of_a_whole_count()
    {
        var text = string.Concat(Enumerable.Range(0, 4000).Select(i => $"var item{i} = compute(alpha, beta[{i}]); // step {i}\n"));
        var whole = Microsoft.ML.Tokenizers.TiktokenTokenizer.CreateForEncoding("cl100k_base").CountTokens(text);
        var chunked = TiktokenEstimator.Instance.Count(text);
        Assert.InRange(chunked, whole * 0.995, whole * 1.005);
        Assert.Equal(chunked, TiktokenEstimator.Instance.Count(new string(text.AsSpan()))); // memoized by content, not by reference
    }

    [Fact]
    public void Cut_points_on_long_text_and_one_huge_word_are_token_exact()
    {
        var t = TiktokenEstimator.Instance;
        foreach (var text in new[] { string.Concat(Enumerable.Repeat("some words and numbers 12345\n", 3000)), new string('b', 300_000) })
        {
            var head = t.IndexAfterTokens(text, 1000);
            Assert.InRange(t.Count(text[..head]), 990, 1000);
            var tail = t.IndexOfLastTokens(text, 1000);
            Assert.InRange(t.Count(text[tail..]), 990, 1000);
        }
    }
}
