using Gateway.Policy.Scripting;

namespace Gateway.Policy.Tests.Scripting;

/// <summary>Every forbidden API category is rejected at compile time, with a diagnostic at the offending expression.</summary>
public sealed class ScriptAllowlistTests
{
    // Each row: the script (line 1 is a harmless statement, so locations are checked on later lines), the expected 1-based
    // line and column of the error, and a fragment of its message.
    public static TheoryData<string, string, int, int, string> Forbidden => new()
    {
        { "file read", "using System.IO;\nvar s = File.ReadAllText(\"x\");", 2, 9, "file system" },
        { "file read, qualified", "Tag(\"a\", \"b\");\nvar s = System.IO.File.ReadAllText(\"x\");", 2, 9, "System.IO" },
        { "using static File", "using static System.IO.File;\nTag(\"a\", \"b\");", 1, 1, "file system" },
        { "alias of File", "using F = System.IO.File;\nF.Delete(\"x\");", 2, 1, "file system" },
        { "http client", "Tag(\"a\", \"b\");\nvar c = new System.Net.Http.HttpClient();", 2, 24, "network access" },
        { "process start", "Tag(\"a\", \"b\");\nSystem.Diagnostics.Process.Start(\"sh\");", 2, 1, "processes" },
        { "typeof(x).GetMethod", "Tag(\"a\", \"b\");\nvar m = typeof(string).GetMethod(\"Trim\");", 2, 9, "reflection" },
        { "object.GetType", "Tag(\"a\", \"b\");\nvar t = \"x\".GetType();", 2, 9, "reflection" },
        { "Assembly.Load", "Tag(\"a\", \"b\");\nSystem.Reflection.Assembly.Load(\"x\");", 2, 1, "reflection" },
        { "environment", "Tag(\"a\", \"b\");\nvar k = Environment.GetEnvironmentVariable(\"ANTHROPIC_API_KEY\");", 2, 9, "environment" },
        { "environment exit", "Tag(\"a\", \"b\");\nEnvironment.Exit(1);", 2, 1, "environment" },
        { "Thread.Sleep", "Tag(\"a\", \"b\");\nSystem.Threading.Thread.Sleep(10);", 2, 1, "threads" },
        { "Task.Run", "Tag(\"a\", \"b\");\nSystem.Threading.Tasks.Task.Run(() => 1);", 2, 1, "threads" },
        { "Timer", "Tag(\"a\", \"b\");\nvar t = new System.Threading.Timer(_ => { });", 2, 9, "threads" },
        { "Console.WriteLine", "Tag(\"a\", \"b\");\nConsole.WriteLine(\"x\");", 2, 1, "console" },
        { "Dns", "Tag(\"a\", \"b\");\nvar h = System.Net.Dns.GetHostName();", 2, 9, "network access" },
        { "unsafe block", "Tag(\"a\", \"b\");\nunsafe { int x = 1; int* p = &x; }", 2, 1, "unsafe" },
        { "pointer type", "Tag(\"a\", \"b\");\nint* p = null;", 2, 1, "unsafe" },
        { "dynamic", "Tag(\"a\", \"b\");\ndynamic d = Request;", 2, 1, "dynamic" },
        { "#r", "#r \"System.IO\"\nTag(\"a\", \"b\");", 1, 1, "#r" },
        { "#load", "#load \"other.csx\"\nTag(\"a\", \"b\");", 1, 1, "#load" },
        { "AppDomain", "Tag(\"a\", \"b\");\nvar d = AppDomain.CurrentDomain;", 2, 9, "process state" },
        { "AppContext", "Tag(\"a\", \"b\");\nAppContext.SetSwitch(\"x\", true);", 2, 1, "process-wide" },
        { "Activator", "Tag(\"a\", \"b\");\nvar l = Activator.CreateInstance<List<int>>();", 2, 9, "reflection" },
        { "GC.Collect", "Tag(\"a\", \"b\");\nGC.Collect();", 2, 1, "garbage collector" },
        { "Marshal", "Tag(\"a\", \"b\");\nvar p = System.Runtime.InteropServices.Marshal.AllocHGlobal(10);", 2, 9, "native interop" },
        { "DllImport", "Tag(\"a\", \"b\");\n[System.Runtime.InteropServices.DllImport(\"libc\")] static extern int getpid();", 2, 1, "native interop" },
        { "load context", "Tag(\"a\", \"b\");\nvar c = System.Runtime.Loader.AssemblyLoadContext.Default;", 2, 9, "assembly loading" },
        { "Type in a delegate", "Tag(\"a\", \"b\");\nFunc<Type>? f = null;", 2, 1, "reflection" },
        { "delegate reflection", "Tag(\"a\", \"b\");\nFunc<int> f = () => 1;\nvar m = f.Method;", 3, 9, "reflection" },
        { "lock", "Tag(\"a\", \"b\");\nlock (Request) { }", 2, 1, "threading" },
        { "stackalloc", "Tag(\"a\", \"b\");\nSpan<byte> s = stackalloc byte[1000000];", 2, 16, "stackalloc" },
        { "await", "Tag(\"a\", \"b\");\nawait System.Threading.Tasks.Task.Yield();", 2, 1, "await" },
        { "regex ctor without timeout", "Tag(\"a\", \"b\");\nvar r = new Regex(\"a+\");", 2, 9, "timeout" },
        { "static regex without timeout", "Tag(\"a\", \"b\");\nvar ok = Regex.IsMatch(\"aaa\", \"a+\");", 2, 10, "timeout" },
        { "regex cache size", "Tag(\"a\", \"b\");\nRegex.CacheSize = 0;", 2, 1, "process-wide" },
        { "recursion", "Tag(\"a\", \"b\");\nint F(int n) => F(n + 1);\nF(0);", 2, 17, "recursion" },
        { "indirect recursion", "Tag(\"a\", \"b\");\nint A(int n) => B(n);\nint B(int n) => A(n);\nA(0);", 2, 17, "recursion" },
        { "cast of a view to List", "Tag(\"a\", \"b\");\n((List<MessageView>)Request.Messages).Clear();", 2, 2, "mutable" },
        { "as of a view to IList", "Tag(\"a\", \"b\");\nvar l = Request.Messages as IList<MessageView>;", 2, 9, "mutable" },
        { "pattern of a view to Dictionary", "Tag(\"a\", \"b\");\nif (Profile.Settings is Dictionary<string, string> d) d[\"x\"] = \"y\";", 2, 25, "mutable" },
        { "cast via object to array", "Tag(\"a\", \"b\");\nvar a = (MessageView[])(object)Request.Messages;", 2, 9, "mutable" },
        { "script class reaching out", "Tag(\"a\", \"b\");\nclass S : System.IO.StringReader { public S() : base(\"\") { } }", 2, 11, "System.IO" },
    };

    [Theory]
    [MemberData(nameof(Forbidden))]
    public void Compile_ForbiddenApi_RejectedAtItsLocation(string name, string code, int line, int column, string fragment)
    {
        var rule = ScriptTestKit.Rule("forbidden");
        var result = new ScriptRuleCompiler().Compile(rule, code);

        Assert.False(result.Success, name);
        Assert.Null(result.Rule);
        var errors = result.Errors.ToList();
        Assert.Contains(errors, e => e.Location.File == rule.Path && e.Location.Line == line && e.Location.Column == column
            && e.Message.Contains(fragment, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Compile_ForbiddenFixture_ReportsEachUseAsFileLineCol()
    {
        var rule = ScriptTestKit.Rule("forbidden-apis") with { Path = "rules/forbidden-apis.csx" };
        var result = ScriptTestKit.SharedCompiler.Compile(rule, ScriptTestKit.Fixture("forbidden-apis.csx"));

        Assert.False(result.Success);
        var printed = result.Errors.Select(e => e.ToString()).ToList();
        Assert.Equal(2, printed.Count);
        Assert.StartsWith("rules/forbidden-apis.csx:2:14: error: 'System.Environment.GetEnvironmentVariable(string)' is not allowed", printed[0]);
        Assert.StartsWith("rules/forbidden-apis.csx:3:12: error: 'System.IO.File.ReadAllText(string)' is not allowed", printed[1]);
    }

    [Fact]
    public void Compile_ShippedRules_AllCompile()
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "shipped-policies", "rules");
        var files = Directory.Exists(dir) ? Directory.GetFiles(dir, "*.csx") : [];
        var compiler = new ScriptRuleCompiler();
        foreach (var file in files)
        {
            var rule = ScriptTestKit.Rule(Path.GetFileNameWithoutExtension(file)) with { Path = "rules/" + Path.GetFileName(file) };
            var result = compiler.Compile(rule, File.ReadAllText(file));
            Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        }
    }

    [Fact]
    public void Compile_AllowedApis_Compile()
    {
        const string code = """
            var words = Request.AllBlocks.Select(b => b.Text).SelectMany(t => t.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
            var counts = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
            foreach (var w in words) counts[w] = counts.GetValueOrDefault(w) + 1;
            var set = new HashSet<string>(counts.Keys);
            var queue = new Queue<int>([1, 2, 3]);
            var sb = new StringBuilder().AppendJoin(",", set.OrderBy(s => s, StringComparer.Ordinal));
            var bytes = Encoding.UTF8.GetByteCount(sb.ToString());
            var rx = new Regex(@"\d+", RegexOptions.None, TimeSpan.FromMilliseconds(10));
            var m = rx.Match("abc 42");
            var total = Math.Max(bytes, int.Parse(m.Value)) + (int)TimeSpan.FromSeconds(1).TotalMilliseconds + queue.Count;
            var (a, b) = (1, "x");
            int Twice(int n) => n * 2;
            record Note(string Id, string Text);
            var note = new Note("n", $"total={Twice(total)} {a}{b} at {Now:O} {DateTime.UtcNow.Year}");
            if (Response is null) Tag("words", words.Count.ToString());
            Log.Info(note.Text);
            object o = note.Text;
            if (o is string str && Request.Messages.ToList() is { Count: > 0 } mine) { mine.RemoveAt(0); Tag("s", str + mine.Count); }
            """;
        ScriptTestKit.CompileOk(code, ScriptTestKit.Rule("allowed"), new ScriptRuleCompiler());
    }
}
