using Gateway.Policy.Scripting;

namespace Gateway.Policy.Tests.Scripting;

/// <summary>
/// Everyday C# a rule author writes compiles (the allowlist checks symbols, and some constructs make the compiler use
/// symbols the author never named), and a forbidden API stays forbidden inside those constructs.
/// </summary>
public sealed class ScriptEverydayCSharpTests
{
    public static TheoryData<string, string> Everyday => new()
    {
        { "foreach deconstructing tuples of an array", "var pairs = new[] { (1, \"a\"), (2, \"b\") };\nforeach (var (n, s) in pairs) Tag(s, n.ToString());" },
        { "foreach deconstructing tuples of a list", "var pairs = new List<(int, string)> { (1, \"a\") };\nforeach (var (n, s) in pairs) Tag(s, n.ToString());" },
        { "foreach deconstructing with types", "var pairs = new[] { (1, \"a\") };\nforeach ((int n, string s) in pairs) Tag(s, n.ToString());\nforeach ((var m, var t) in pairs) Tag(t, m.ToString());" },
        { "foreach deconstructing named tuples", "var pairs = new List<(int Count, string Name)> { (1, \"a\") };\nforeach (var (count, name) in pairs) Tag(name, count.ToString());\nforeach (var p in pairs) Tag(p.Name, p.Count.ToString());" },
        { "foreach deconstructing nested tuples", "foreach (var ((x, y), (k, v)) in new[] { ((1, 2), new KeyValuePair<string, int>(\"a\", 3)) }) Tag(k, (x + y + v).ToString());" },
        { "foreach deconstructing a Dictionary", "var d = new Dictionary<string, int> { [\"a\"] = 1 };\nforeach (var (k, v) in d) Tag(k, v.ToString());" },
        { "foreach deconstructing a read-only dictionary", "foreach (var (k, v) in Profile.Settings) Tag(k, v);" },
        { "foreach deconstructing Index() and Zip()", "foreach (var (i, m) in Request.Messages.Index()) Tag(i.ToString(), m.Role.ToString());\nforeach (var (a, b) in new[] { 1 }.Zip(new[] { \"x\" })) Tag(b, a.ToString());" },
        { "foreach deconstructing records", "record P(int X, int Y);\nforeach (var (x, y) in new[] { new P(1, 2) }) Tag(\"p\", (x + y).ToString());" },
        { "foreach over arrays", "foreach (var s in \"a b\".Split(' ')) Tag(s, s);\nforeach (int n in new[] { 1, 2 }) Tag(\"n\", n.ToString());\nforeach (var x in new int[2, 2]) Tag(\"x\", x.ToString());" },
        { "deconstruction assignment", "var pair = (1, \"x\");\nvar (x, y) = pair;\nint q; string r;\n(q, r) = pair;\n(q, x) = (x, q);\nvar (k, v) = new KeyValuePair<string, int>(\"k\", 2);\nTag(y + r + k, (x + q + v).ToString());" },
        { "tuple-returning local function", "(int Min, int Max) Bounds(List<int> xs) => (xs.Min(), xs.Max());\nvar (lo, hi) = Bounds([3, 1, 2]);\nvar b = Bounds([4]);\nTag(\"b\", $\"{lo}-{hi} {b.Min} {b.Item2}\");" },
        { "pattern matching", "object o = Request.Model;\nif (o is string { Length: > 3 } s and not \"x\") Tag(\"m\", s);\nif (Request.Messages is [var first, ..]) Tag(\"f\", first.Role.ToString());\nif ((1, \"a\") is (1, var t)) Tag(\"t\", t);\nif (new KeyValuePair<string, int>(\"k\", 2) is (\"k\", > 1)) Tag(\"kv\", \"y\");" },
        { "switch expression and statement", "var n = Request.Messages.Count;\nvar size = n switch { 0 => \"none\", 1 or 2 => \"few\", > 2 and < 10 => \"some\", _ => \"many\" };\nswitch (Request.Model) { case \"a\": break; case var m when m.StartsWith(\"claude\"): Tag(\"c\", m); break; default: break; }\nrecord R(int A, string B);\nvar label = new R(1, \"b\") switch { (1, var b) => b, { A: 2 } => \"two\", _ => \"\" };\nTag(\"size\", size + label);" },
        { "string interpolation", "var n = 3.5;\nTag(\"x\", $\"{n:F1} {Request.Model,-10} {{}} {Now:O} {DateTime.UtcNow.Year}\");\nvar raw = $$\"\"\"{\"n\": {{n}}}\"\"\";\nvar verbatim = $@\"C:\\{n}\";" },
        { "LINQ with anonymous types", "var byRole = Request.Messages.Select((m, i) => new { m.Role, Index = i, Length = m.Blocks.Sum(b => b.Text.Length) })\n    .GroupBy(x => x.Role).Select(g => new { g.Key, Total = g.Sum(x => x.Length) }).ToList();\nforeach (var x in byRole) Tag(x.Key.ToString(), x.Total.ToString());\nvar q = from m in Request.Messages let c = m.Blocks.Count where c > 0 orderby c descending select new { m.Index, c };\nTag(\"q\", q.Count().ToString());" },
        { "local functions", "static int Square(int x) => x * x;\nstring Upper(string s) { return s.ToUpperInvariant(); }\nIEnumerable<int> Evens(int n) { for (var i = 0; i < n; i += 2) yield return i; }\nTag(Upper(\"a\"), (Square(3) + Evens(6).Sum()).ToString());" },
        { "records", "record Note(string Id, int N);\nrecord struct Point(int X, int Y);\nvar n = new Note(\"a\", 1);\nvar n2 = n with { N = 2 };\nvar (id, num) = n2;\nvar p = new Point(1, 2);\nTag(id, $\"{num + p.X} {n} {n == n2} {n.GetHashCode()}\");\nclass C { public int X { get; init; } }\nvar c = new C { X = 1 };" },
        { "regex with a timeout", "using System.Text.RegularExpressions;\nvar rx = new Regex(@\"(?<n>\\d+)\", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(50));\nforeach (Match m in rx.Matches(\"a 1 b 2\")) Tag(\"n\", m.Groups[\"n\"].Value);\nvar r = Regex.Replace(\"abc\", \"b\", \"x\", RegexOptions.None, TimeSpan.FromMilliseconds(20));\nvar ok = Regex.IsMatch(\"a\", \"a\", RegexOptions.None, TimeSpan.FromMilliseconds(20));\nvar bang = rx.Replace(\"a1\", m => m.Value + \"!\");" },
        { "collection expressions and ranges", "int[] a = [1, 2];\nList<int> b = [..a, 3];\nint[] c = [..b, ..a];\nvar last = c[^1];\nvar head = c[..1];\nstring maybe = null;\nmaybe ??= \"x\";\nTag(\"c\", (c.Length + last + head.Length + (maybe?.Length ?? 0)).ToString());" },
        { "exceptions", "try { var n = int.Parse(\"x\"); } catch (FormatException ex) when (ex.Message.Length > 0) { Log.Warn(ex.Message); } finally { Tag(\"t\", \"1\"); }\nif (Request.Model.Length == 0) throw new InvalidOperationException(\"no model\");" },
    };

    [Theory]
    [MemberData(nameof(Everyday))]
    public void Compile_EverydayConstruct_Compiles(string name, string code)
    {
        var result = ScriptTestKit.SharedCompiler.Compile(ScriptTestKit.Rule("everyday"), code);

        Assert.True(result.Success, name + "\n" + string.Join("\n", result.Diagnostics));
    }

    // Each row: a forbidden API inside a construct that used to be refused as a whole, or whose calls the compiler makes
    // implicitly; the expected 1-based line and column of the error, and a fragment of its message.
    public static TheoryData<string, string, int, int, string> ForbiddenInside => new()
    {
        { "file read in a deconstructing foreach over an array", "var pairs = new[] { (1, \"a\") };\nforeach (var (n, path) in pairs) { var s = System.IO.File.ReadAllText(path); }", 2, 44, "System.IO" },
        { "environment in a deconstructing foreach over a dictionary", "var d = new Dictionary<string, int>();\nforeach (var (k, v) in d) Tag(k, Environment.GetEnvironmentVariable(k));", 2, 34, "environment" },
        { "reflection in a deconstruction", "var (t, n) = (\"x\".GetType(), 1);", 1, 1, "reflection" },
        { "thread type as a tuple element", "foreach (var (a, b) in new[] { (1, default(System.Threading.Thread)) }) { }", 1, 24, "threads" },
        { "array as non-generic IEnumerable", "System.Collections.IEnumerable e = new[] { 1 };", 1, 1, "System.Collections" },
        { "foreach over an array cast to IEnumerable", "var a = new[] { 1 };\nforeach (var x in (System.Collections.IEnumerable)a) { }", 2, 19, "System.Collections" },
        { "recursion through Deconstruct", "class P { public void Deconstruct(out int a, out int b) { var (x, y) = this; a = x; b = y; } }", 1, 59, "recursion" },
    };

    [Theory]
    [MemberData(nameof(ForbiddenInside))]
    public void Compile_ForbiddenApiInsideEverydayConstruct_RejectedAtItsLocation(string name, string code, int line, int column, string fragment)
    {
        var rule = ScriptTestKit.Rule("forbidden-inside");
        var result = ScriptTestKit.SharedCompiler.Compile(rule, code);

        Assert.False(result.Success, name);
        Assert.Contains(result.Errors, e => e.Location.Line == line && e.Location.Column == column && e.Message.Contains(fragment, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Apply_DeconstructingLoops_RunWithBudgetChecks()
    {
        const string code = """
            var pairs = new[] { (1, "one"), (2, "two") };
            foreach (var (n, word) in pairs) Tag(word, n.ToString());
            foreach (var (key, value) in Profile.Settings) Tag("setting:" + key, value);
            var counts = new Dictionary<string, int> { ["a"] = 3 };
            foreach (var (k, v) in counts) { Tag("count:" + k, v.ToString()); }
            var (first, second) = (pairs[0].Item2, pairs[1].Item2);
            Tag("both", first + "+" + second);
            """;
        var step = ScriptTestKit.CompileOk(code, ScriptTestKit.Rule("deconstructing"));
        var context = ScriptTestKit.Context();

        await ScriptTestKit.RunAsync(step, context);

        Assert.Equal("1", context.Tags["one"]);
        Assert.Equal("2", context.Tags["two"]);
        Assert.Equal("3", context.Tags["setting:threshold"]);
        Assert.Equal("3", context.Tags["count:a"]);
        Assert.Equal("one+two", context.Tags["both"]);
    }
}
