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
}
