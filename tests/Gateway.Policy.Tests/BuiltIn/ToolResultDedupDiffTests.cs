using Gateway.Policy.BuiltIn.Dedup;

namespace Gateway.Policy.Tests.BuiltIn;

public class ToolResultDedupDiffTests
{
    /// <summary>Applies GNU-style unified hunks (as <see cref="LineDiff"/> writes them) to <paramref name="old"/>; throws on any mismatch.</summary>
    internal static string Apply(string old, string hunks)
    {
        var oldLines = LineDiff.SplitLines(old);
        var diff = hunks.Split('\n').ToList();
        if (diff.Count > 0 && diff[^1] == "") diff.RemoveAt(diff.Count - 1);
        var result = new List<string>();
        var pos = 0;
        var i = 0;
        while (i < diff.Count)
        {
            var m = System.Text.RegularExpressions.Regex.Match(diff[i], @"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@$");
            Assert.True(m.Success, $"hunk header expected: '{diff[i]}'");
            var aStart = int.Parse(m.Groups[1].Value);
            var aCount = m.Groups[2].Success ? int.Parse(m.Groups[2].Value) : 1;
            var bCount = m.Groups[4].Success ? int.Parse(m.Groups[4].Value) : 1;
            var at = aCount == 0 ? aStart : aStart - 1;
            Assert.True(at >= pos, "hunks out of order");
            result.AddRange(oldLines.Skip(pos).Take(at - pos));
            pos = at;
            i++;
            int seenA = 0, seenB = 0;
            while (i < diff.Count && !diff[i].StartsWith("@@", StringComparison.Ordinal))
            {
                var line = diff[i];
                var token = line[1..] + "\n";
                if (i + 1 < diff.Count && diff[i + 1] == LineDiff.NoNewline) { token = line[1..]; i++; }
                switch (line[0])
                {
                    case ' ': Assert.Equal(oldLines[pos], token); result.Add(token); pos++; seenA++; seenB++; break;
                    case '-': Assert.Equal(oldLines[pos], token); pos++; seenA++; break;
                    case '+': result.Add(token); seenB++; break;
                    default: Assert.Fail($"bad diff line '{line}'"); break;
                }
                i++;
            }
            Assert.Equal(aCount, seenA);
            Assert.Equal(bCount, seenB);
        }
        result.AddRange(oldLines.Skip(pos));
        return string.Concat(result);
    }

    public static TheoryData<string, string> Pairs => new()
    {
        { "a\nb\nc\n", "a\nB\nc\n" },
        { "a\nb\nc\n", "a\nb\nc" },             // newline at end removed
        { "a\nb\nc", "a\nb\nc\n" },             // and added
        { "", "x\ny\n" },
        { "x\ny\n", "" },
        { "one\n", "two\n" },
        { "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\n", "a\nb\nX\nd\ne\nf\ng\nh\ni\nj\nk\nY\nm\nn\n" }, // two hunks
        { "a\nb\nc\nd\ne\nf\n", "0\na\nc\nd\nf\ng\n" },
        { "same\nsame\nsame\n", "same\nsame\n" },
        { "a\r\nb\r\n", "a\r\nc\r\n" },
    };

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Diff_applied_to_the_old_text_gives_the_new_text(string a, string b)
    {
        var diff = LineDiff.Unified(a, b)!;
        Assert.NotNull(diff);
        Assert.Equal(b, Apply(a, diff));
    }

    [Fact]
    public void Random_edits_round_trip_and_the_diff_is_deterministic()
    {
        var random = new Random(12345);
        for (var round = 0; round < 300; round++)
        {
            var a = Enumerable.Range(0, random.Next(0, 60)).Select(_ => "line " + random.Next(0, 8)).ToList();
            var b = a.ToList();
            for (var e = random.Next(0, 10); e > 0; e--)
            {
                var op = random.Next(3);
                if (op == 0 && b.Count > 0) b.RemoveAt(random.Next(b.Count));
                else if (op == 1) b.Insert(random.Next(b.Count + 1), "new " + random.Next(0, 5));
                else if (b.Count > 0) b[random.Next(b.Count)] = "changed " + random.Next(0, 5);
            }
            var aText = string.Join("\n", a) + (random.Next(2) == 0 ? "\n" : "");
            var bText = string.Join("\n", b) + (random.Next(2) == 0 ? "\n" : "");
            var diff = LineDiff.Unified(aText, bText)!;
            Assert.Equal(bText, Apply(aText, diff));
            Assert.Equal(diff, LineDiff.Unified(aText, bText));
        }
    }

    [Fact]
    public void Format_is_gnu_unified_with_three_lines_of_context()
    {
        var a = string.Concat(Enumerable.Range(1, 10).Select(i => $"l{i}\n"));
        var b = a.Replace("l5\n", "L5\n", StringComparison.Ordinal);
        Assert.Equal("@@ -2,7 +2,7 @@\n l2\n l3\n l4\n-l5\n+L5\n l6\n l7\n l8\n", LineDiff.Unified(a, b));
        Assert.Equal("@@ -1 +1 @@\n-x\n\\ No newline at end of file\n+x\n", LineDiff.Unified("x", "x\n"));
        Assert.Equal("", LineDiff.Unified(a, a));
    }

    [Fact]
    public void A_large_file_with_many_scattered_edits_diffs_quickly()
    {
        var random = new Random(7);
        var a = Enumerable.Range(0, 5000).Select(i => $"    line {i}: {random.Next()}\n").ToList();
        var b = a.ToList();
        for (var e = 0; e < 300; e++) b[random.Next(b.Count)] = $"    edited {e}\n";
        var (aText, bText) = (string.Concat(a), string.Concat(b));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var diff = LineDiff.Unified(aText, bText)!;
        watch.Stop();
        Assert.Equal(bText, Apply(aText, diff));
        Assert.True(watch.ElapsedMilliseconds < 2000, $"{watch.ElapsedMilliseconds} ms"); // ~600 edits; typically tens of ms
    }

    [Fact]
    public void More_edits_than_the_cap_give_no_diff()
    {
        var a = string.Concat(Enumerable.Range(0, 100).Select(i => $"a{i}\n"));
        var b = string.Concat(Enumerable.Range(0, 100).Select(i => $"b{i}\n"));
        Assert.Null(LineDiff.Unified(a, b, maxEdits: 50));
        Assert.NotNull(LineDiff.Unified(a, b, maxEdits: 200));
    }
}
