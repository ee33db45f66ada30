using System.Globalization;
using System.Text;

namespace Gateway.Policy.BuiltIn.Dedup;

/// <summary>
/// A small, deterministic line diff (Myers' O(ND) algorithm on lines, after trimming the common head and tail) that writes GNU-style
/// unified hunks: <c>@@ -a,b +c,d @@</c> (a count of 1 is omitted; a count of 0 gives the line before), <c>' '</c>, <c>'-'</c>,
/// <c>'+'</c> lines and <c>\ No newline at end of file</c> after a last line without one. No <c>---</c>/<c>+++</c> header lines: the caller
/// says what is compared. Work is capped: more than <c>maxEdits</c> inserted plus deleted lines gives null (the caller then sends the
/// text as it is). Stateless and thread-safe.
/// </summary>
public static class LineDiff
{
    public const int DefaultContext = 3;
    public const int DefaultMaxEdits = 1000;
    public const string NoNewline = "\\ No newline at end of file";

    private enum Op : byte { Equal, Delete, Insert }

    /// <summary>
    /// The unified hunks turning <paramref name="oldText"/> into <paramref name="newText"/>; empty when they are equal; null when more than
    /// <paramref name="maxEdits"/> lines differ.
    /// </summary>
    public static string? Unified(string oldText, string newText, int context = DefaultContext, int maxEdits = DefaultMaxEdits)
    {
        ArgumentNullException.ThrowIfNull(oldText);
        ArgumentNullException.ThrowIfNull(newText);
        if (string.Equals(oldText, newText, StringComparison.Ordinal)) return "";
        var a = SplitLines(oldText);
        var b = SplitLines(newText);
        var ops = Diff(a, b, maxEdits);
        return ops is null ? null : Format(a, b, ops, Math.Max(0, context));
    }

    /// <summary>Lines with their terminator (<c>"x\n"</c>); the last one lacks it when the text does not end with a newline.</summary>
    internal static List<string> SplitLines(string text)
    {
        var lines = new List<string>();
        var start = 0;
        while (start < text.Length)
        {
            var nl = text.IndexOf('\n', start);
            var end = nl < 0 ? text.Length : nl + 1;
            lines.Add(text[start..end]);
            start = end;
        }
        return lines;
    }

    /// <summary>The edit script (one op per line of a or b, in order), or null over the cap.</summary>
    private static List<Op>? Diff(List<string> aLines, List<string> bLines, int maxEdits)
    {
        // Lines as ids: equal lines compare as ints.
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        int Id(string s) { if (!ids.TryGetValue(s, out var id)) ids[s] = id = ids.Count; return id; }
        var a = aLines.Select(Id).ToArray();
        var b = bLines.Select(Id).ToArray();

        var head = 0;
        while (head < a.Length && head < b.Length && a[head] == b[head]) head++;
        var tail = 0;
        while (tail < a.Length - head && tail < b.Length - head && a[a.Length - 1 - tail] == b[b.Length - 1 - tail]) tail++;

        var ops = new List<Op>(a.Length + b.Length);
        for (var i = 0; i < head; i++) ops.Add(Op.Equal);
        var middle = Myers(a.AsSpan(head, a.Length - head - tail), b.AsSpan(head, b.Length - head - tail), maxEdits);
        if (middle is null) return null;
        ops.AddRange(middle);
        for (var i = 0; i < tail; i++) ops.Add(Op.Equal);
        return ops;
    }

    /// <summary>Myers' greedy forward search keeping each round's furthest-reaching x per diagonal, then a backtrack.</summary>
    private static List<Op>? Myers(ReadOnlySpan<int> a, ReadOnlySpan<int> b, int maxEdits)
    {
        int n = a.Length, m = b.Length;
        var ops = new List<Op>(n + m);
        if (n == 0 || m == 0)
        {
            if (n + m > maxEdits) return null;
            for (var i = 0; i < n; i++) ops.Add(Op.Delete);
            for (var j = 0; j < m; j++) ops.Add(Op.Insert);
            return ops;
        }

        var max = Math.Min(n + m, maxEdits);
        var offset = max + 1;
        var v = new int[2 * max + 3];
        var trace = new List<int[]>();
        var found = -1;
        for (var d = 0; d <= max && found < 0; d++)
        {
            trace.Add(v[(offset - d - 1)..(offset + d + 2)]); // k in [-d-1, d+1]: all that round d reads
            for (var k = -d; k <= d; k += 2)
            {
                int x = k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1])
                    ? v[offset + k + 1]        // down: insertion
                    : v[offset + k - 1] + 1;   // right: deletion
                var y = x - k;
                while (x < n && y < m && a[x] == b[y]) { x++; y++; }
                v[offset + k] = x;
                if (x >= n && y >= m) { found = d; break; }
            }
        }
        if (found < 0) return null;

        // Backtrack from (n, m): trace[d] is v as it was before round d.
        var reversed = new List<Op>(n + m);
        int cx = n, cy = m;
        for (var d = found; d > 0; d--)
        {
            var prev = trace[d];
            var at = d + 1; // index of k = 0 in prev
            var k = cx - cy;
            var down = k == -d || (k != d && prev[at + k - 1] < prev[at + k + 1]);
            var pk = down ? k + 1 : k - 1;
            var px = prev[at + pk];
            var py = px - pk;
            var sx = down ? px : px + 1; // where the snake of round d starts
            while (cx > sx) { reversed.Add(Op.Equal); cx--; cy--; }
            reversed.Add(down ? Op.Insert : Op.Delete);
            cx = px;
            cy = py;
        }
        while (cx > 0) { reversed.Add(Op.Equal); cx--; cy--; }
        reversed.Reverse();
        return reversed;
    }

    private static string Format(List<string> a, List<string> b, List<Op> ops, int context)
    {
        // Positions of each op in a and b.
        var ai = new int[ops.Count + 1];
        var bi = new int[ops.Count + 1];
        for (var i = 0; i < ops.Count; i++)
        {
            ai[i + 1] = ai[i] + (ops[i] == Op.Insert ? 0 : 1);
            bi[i + 1] = bi[i] + (ops[i] == Op.Delete ? 0 : 1);
        }

        var sb = new StringBuilder();
        var at = 0;
        while (at < ops.Count)
        {
            while (at < ops.Count && ops[at] == Op.Equal) at++;
            if (at == ops.Count) break;
            // A hunk: from `context` equal lines before the first change to `context` after the last change whose gap to the next
            // change is at most 2 * context equal lines.
            var start = Math.Max(0, at - context);
            var end = at;
            while (true)
            {
                while (end < ops.Count && ops[end] != Op.Equal) end++;
                var gap = end;
                while (gap < ops.Count && ops[gap] == Op.Equal) gap++;
                if (gap < ops.Count && gap - end <= 2 * context) { end = gap; continue; }
                end = Math.Min(ops.Count, end + context);
                break;
            }

            var aStart = ai[start]; var aLen = ai[end] - aStart;
            var bStart = bi[start]; var bLen = bi[end] - bStart;
            sb.Append("@@ -").Append(Range(aStart, aLen)).Append(" +").Append(Range(bStart, bLen)).Append(" @@\n");
            for (var i = start; i < end; i++)
            {
                var (prefix, line) = ops[i] switch
                {
                    Op.Equal => (' ', a[ai[i]]),
                    Op.Delete => ('-', a[ai[i]]),
                    _ => ('+', b[bi[i]]),
                };
                sb.Append(prefix).Append(line);
                if (!line.EndsWith('\n')) sb.Append('\n').Append(NoNewline).Append('\n');
            }
            at = end;
        }
        return sb.ToString();
    }

    private static string Range(int start, int length) => length switch
    {
        0 => start.ToString(CultureInfo.InvariantCulture) + ",0",
        1 => (start + 1).ToString(CultureInfo.InvariantCulture),
        _ => (start + 1).ToString(CultureInfo.InvariantCulture) + "," + length.ToString(CultureInfo.InvariantCulture),
    };
}
