using Gateway.Policy.BuiltIn;
using Gateway.Policy.Configuration;
using Gateway.Policy.Tests.Pipeline;
using Gateway.Policy.Tokens;
using static Gateway.Policy.Tests.Pipeline.PolicyTestKit;

namespace Gateway.Policy.Tests.BuiltIn;

public class ContentCapStepTests
{
    private static string Lines(string prefix, int n) => string.Join("\n", Enumerable.Range(1, n).Select(i => $"{prefix} line {i:D4} of some file content"));

    private static ProfileConfig Profile(CapsConfig caps) => new() { Name = "default", Caps = caps, Pipeline = [BuiltInSteps.CapContent] };

    [Fact]
    public void Chars_cap_keeps_head_and_tail_at_line_boundaries_with_the_marker()
    {
        var text = Lines("x", 200);
        var cut = ContentCapStep.Cut(text, new ContentCap(1000, CapUnit.Chars), 0.7, "[... {cut} {unit} cut: {hint} ...]", "HINT", TiktokenEstimator.Instance)!;
        Assert.NotNull(cut);
        var lines = cut.Split('\n');
        Assert.StartsWith("x line 0001", lines[0]);
        Assert.EndsWith("x line 0200 of some file content", lines[^1]);
        var marker = Assert.Single(lines, l => l.StartsWith("[... "));
        Assert.Matches(@"^\[\.\.\. \d+ chars cut: HINT \.\.\.\]$", marker);
        Assert.All(lines.Where(l => !l.StartsWith("[...")), l => Assert.Matches(@"^x line \d{4} of some file content$", l)); // whole lines only
        Assert.InRange(cut.Length, 700, 1100);
        var head = cut[..cut.IndexOf("[...", StringComparison.Ordinal)];
        Assert.InRange(head.Length, 560, 700);
    }

    [Fact]
    public void Token_cap_respects_the_budget_and_reports_cut_tokens()
    {
        var text = Lines("y", 400);
        var t = TiktokenEstimator.Instance;
        var cut = ContentCapStep.Cut(text, new ContentCap(300), 0.5, "[{cut} {unit} cut]", "", t)!;
        Assert.InRange(t.Count(cut), 200, 320);
        Assert.Matches(@"\[\d+ tokens cut\]", cut);
        Assert.Null(ContentCapStep.Cut("short", new ContentCap(300), 0.5, "m", "", t));
    }

    [Fact]
    public async Task Caps_apply_by_kind_never_to_the_latest_user_message_and_identically_wherever_the_block_sits()
    {
        var big = Lines("z", 300);
        var caps = new CapsConfig
        {
            System = new ContentCap(500, CapUnit.Chars), User = new ContentCap(500, CapUnit.Chars), ToolResult = new ContentCap(400, CapUnit.Chars),
        };
        var chat = new Chat().System(big).User(big).Call("c1", "read", "{}").Result("c1", big).Assistant(big).User(big);
        var (request, report, _) = await RunAsync(Compile(Profile(caps)), chat.Json);
        var m = Texts(request);
        Assert.Contains(caps.TextHint, m[0]);
        Assert.Contains(caps.TextHint, m[1]);
        Assert.Contains(caps.ToolResultHint, m[3]);
        Assert.True(m[3].Length < big.Length / 5);
        Assert.Equal(big, m[4]); // assistant: no cap
        Assert.Equal(big, m[5]); // latest user: never
        Assert.True(report.TokensSaved > 0);

        // The same user block at another position of another conversation is cut to the same bytes.
        var other = new Chat().User("first").Assistant("ok").User(big).Assistant("ok").User("latest");
        var (request2, _, _) = await RunAsync(Compile(Profile(caps)), other.Json);
        Assert.Equal(m[1], Texts(request2)[2]);
    }
}
