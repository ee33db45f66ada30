using System.Text.Json;

namespace Gateway.Core.Tests.Translation;

/// <summary>Every request of a real Continue CLI session (tests/fixtures/openai/continue-session-1.jsonl) must translate into a request Anthropic accepts.</summary>
public sealed class ContinueSessionTests
{
    public static TheoryData<int> Seqs()
    {
        var data = new TheoryData<int>();
        for (var i = 1; i <= 11; i++) data.Add(i);
        return data;
    }

    private static string Body(int seq)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "fixtures", "openai", "continue-session-1.jsonl");
        var line = File.ReadLines(path).ElementAt(seq - 1);
        using var doc = JsonDocument.Parse(line);
        Assert.Equal(seq, doc.RootElement.GetProperty("seq").GetInt32());
        return doc.RootElement.GetProperty("body").GetRawText();
    }

    [Theory]
    [MemberData(nameof(Seqs))]
    public void Translate_ContinueRequest_IsValidForEveryModel(int seq)
    {
        foreach (var model in TranslationHarness.Catalogue.Models.Select(m => m.Id))
        {
            var (wire, t) = TranslationHarness.Translate(Body(seq), model);
            Assert.Empty(TranslationHarness.Violations(wire));
            Assert.True(t.Shaping.IncludeUsage);
            Assert.True(wire.GetProperty("stream").GetBoolean());
            Assert.Equal(12, wire.GetProperty("tools").GetArrayLength());
            Assert.StartsWith("You are an agent in the Continue CLI", wire.GetProperty("system")[0].GetProperty("text").GetString());
        }
    }

    [Fact]
    public void Translate_LastContinueRequest_PairsEveryToolResult()
    {
        var (wire, t) = TranslationHarness.Translate(Body(11));
        // system + user, then 10 assistant tool turns each answered by one user tool_result message.
        Assert.Equal("u" + string.Concat(Enumerable.Repeat(",a,u", 10)), TranslationHarness.Roles(wire));
        Assert.DoesNotContain(t.Adjustments, a => a.Contains("synthetic", StringComparison.Ordinal));
        Assert.Equal("tool_use", TranslationHarness.BlockTypes(wire.GetProperty("messages")[3])); // assistant with content "" -> no text block
    }
}
