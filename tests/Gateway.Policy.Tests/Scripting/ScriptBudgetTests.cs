using System.Diagnostics;
using Gateway.Policy.Scripting;

namespace Gateway.Policy.Tests.Scripting;

/// <summary>
/// Budget checks inserted into scripts: loops and recursion that never call the rule API stop at their budget, on their
/// worker, which goes back to the pool (no write-off); errors and exception lines still point at the user's code.
/// </summary>
public sealed class ScriptBudgetTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int BudgetMs = 50;

    // The grace is also the stop wait. A stopped run ends at its next check as soon as its thread gets a CPU, usually within
    // a millisecond; but on a loaded 2-core CI box a thread can wait hundreds of ms for one (and a first run is JIT-compiled
    // first), and a run not stopped within the wait is written off, which these tests read as "the check did not work".
    // A long grace costs nothing when the check works: the caller returns as soon as the run stops.
    private const int GraceMs = 1000;
    private const int SlackMs = 2000; // the caller's own wake-up on a loaded 2-core CI box

    public static TheoryData<string, string> RunawayScripts => new()
    {
        { "while", "while (true) {}" },
        { "for", "for (;;) {}" },
        { "do", "do {} while (true);" },
        { "embedded-statement", "var i = 0; while (true) i++;" },
        { "empty-statement", "while (true) ;" },
        { "nested", "var n = 0; for (var i = 0; i < 10; i++) { while (true) { for (var j = 0; j < 1000; j++) n++; } }" },
        { "foreach", "IEnumerable<int> Forever() { var i = 0; while (true) yield return i++; } foreach (var x in Forever()) { }" },
        { "local-function", "void Spin() { while (true) {} } Spin();" },
        { "expression-bodied-local", "int Spin(int x) { while (x >= 0) { x = x | 1; } return x; } int Run() => Spin(1); Run();" },
        { "lambda-in-linq", "Enumerable.Range(0, 10).Select(i => { while (true) {} return i; }).ToList();" },
        { "goto", "var k = 0; again: k++; goto again;" },
        { "caught-and-retried", "while (true) { try { while (true) {} } catch { } }" },
        { "query-cross-join", "var n = (from a in Enumerable.Range(0, int.MaxValue) from b in Enumerable.Range(0, int.MaxValue) where a != b select a).LongCount();" },
        { "class-method", "class Spinner { public static int Go() { var x = 0; while (true) { x++; } } } Spinner.Go();" },
        { "property", "class P { public int Value { get { while (true) {} } } } var v = new P().Value;" },
    };

    [Theory]
    [MemberData(nameof(RunawayScripts))]
    public async Task Apply_RunawayScript_StoppedWithinBudgetPlusGrace_WorkerReused(string name, string code)
    {
        // One worker and no replacements: if the runaway kept it, the next rule could not even start.
        var compiler = new ScriptRuleCompiler(new ScriptRuleCompilerOptions { Workers = 1, MaxStuckWorkers = 0, Grace = TimeSpan.FromMilliseconds(GraceMs) });
        var loop = ScriptTestKit.CompileOk(code, ScriptTestKit.Rule(name, budgetMs: BudgetMs), compiler);
        var good = ScriptTestKit.CompileOk("Tag(\"ok\", \"1\");", ScriptTestKit.Rule("good", budgetMs: 1000), compiler);

        for (var round = 0; round < 3; round++)
        {
            var context = ScriptTestKit.Context();
            var watch = Stopwatch.StartNew();
            var error = await Assert.ThrowsAsync<RuleTimeoutException>(() => ScriptTestKit.RunAsync(loop, context));
            watch.Stop();
            output.WriteLine($"{name} round {round}: timed out after {watch.Elapsed.TotalMilliseconds:0.0} ms");

            Assert.True(error.Started);
            Assert.InRange(watch.ElapsedMilliseconds, BudgetMs - 5, BudgetMs + GraceMs + SlackMs);
            Assert.Empty(context.Changes);

            var next = ScriptTestKit.Context();
            await ScriptTestKit.RunAsync(good, next);
            Assert.Equal("1", next.Tags["ok"]);
        }
        Assert.Equal(0, compiler.StuckWorkers);
        Assert.Equal(0, compiler.WrittenOffWorkers);
        Assert.Equal(3, compiler.StoppedRuns);
    }

    [Theory]
    [InlineData("lambda", "Func<int, int> f = null; f = x => f(x); f(1);")]
    [InlineData("block-lambda", "Func<int, int> f = null; f = x => { return f(x) + 1; }; f(1);")]
    [InlineData("method-group", "Func<int, int> g = null; int M(int x) => g(x); g = M; g(1);")]
    public async Task Apply_RecursionThroughDelegates_FailsBeforeTheStackOverflows_WorkerReused(string name, string code)
    {
        // A stack overflow would end the test process: the function-entry check fails the rule while stack is left.
        // A budget far above the bound below: the rule must fail by the stack guard, promptly, never by a descheduled
        // thread running into its time budget on a loaded machine.
        var compiler = new ScriptRuleCompiler(new ScriptRuleCompilerOptions { Workers = 1, MaxStuckWorkers = 0, Grace = TimeSpan.FromMilliseconds(GraceMs) });
        var step = ScriptTestKit.CompileOk(code, ScriptTestKit.Rule(name, budgetMs: 10_000), compiler);
        var good = ScriptTestKit.CompileOk("Tag(\"ok\", \"1\");", ScriptTestKit.Rule("good", budgetMs: 1000), compiler);

        var watch = Stopwatch.StartNew();
        var error = await Record.ExceptionAsync(() => ScriptTestKit.RunAsync(step, ScriptTestKit.Context()));
        watch.Stop();
        output.WriteLine($"{name}: {error?.GetType().Name} after {watch.Elapsed.TotalMilliseconds:0.0} ms: {error?.Message}");

        // Recursion runs out of (guarded) stack long before the budget: the rule fails, promptly, and its worker is back.
        var failed = Assert.IsType<RuleExecutionException>(error);
        Assert.IsType<InsufficientExecutionStackException>(failed.InnerException);
        Assert.InRange(watch.ElapsedMilliseconds, 0, BudgetMs + GraceMs + SlackMs);
        var next = ScriptTestKit.Context();
        await ScriptTestKit.RunAsync(good, next);
        Assert.Equal("1", next.Tags["ok"]);
        Assert.Equal(0, compiler.StuckWorkers);
    }

    [Fact]
    public async Task Apply_RecursionCaughtAndRetriedFromCatch_WorkerParked_ProcessSurvives()
    {
        // A catch block runs below the frames of the exception dispatch: recursing again from there, and throwing again,
        // would overflow the stack. The second exhaustion parks the worker for good (written off) instead.
        var compiler = new ScriptRuleCompiler(new ScriptRuleCompilerOptions { Workers = 1, MaxStuckWorkers = 1, Grace = TimeSpan.FromMilliseconds(GraceMs) });
        const string code = "Func<int, int> f = null; f = x => { try { return f(x); } catch { return f(x); } }; f(1);";
        var step = ScriptTestKit.CompileOk(code, ScriptTestKit.Rule("catch-retry", budgetMs: BudgetMs), compiler);
        var good = ScriptTestKit.CompileOk("Tag(\"ok\", \"1\");", ScriptTestKit.Rule("good", budgetMs: 1000), compiler);

        var watch = Stopwatch.StartNew();
        await Assert.ThrowsAsync<RuleTimeoutException>(() => ScriptTestKit.RunAsync(step, ScriptTestKit.Context()));
        Assert.InRange(watch.ElapsedMilliseconds, BudgetMs, BudgetMs + 2 * GraceMs + SlackMs);
        Assert.Equal(1, compiler.WrittenOffWorkers);
        Assert.Equal(1, compiler.StuckWorkers);
        var next = ScriptTestKit.Context();
        await ScriptTestKit.RunAsync(good, next); // the replacement worker
        Assert.Equal("1", next.Tags["ok"]);
    }

    [Fact]
    public async Task Apply_LongLibraryCall_WorkerWrittenOff_ThenReturnsWhenTheCallEnds()
    {
        // Enumerable.Repeat(...).Sum() runs inside the library, where no check can be inserted: the run is bounded by the
        // int count but far longer than the budget. The worker is written off and replaced, and comes back afterwards.
        // Here the grace must stay well below the call's length (a billion iterations: seconds), or the call would end within
        // the stop wait and nothing would be written off; the budget leaves the worker time to pick the run up at all.
        const int budgetMs = 200, graceMs = 100;
        var compiler = new ScriptRuleCompiler(new ScriptRuleCompilerOptions { Workers = 1, MaxStuckWorkers = 1, Grace = TimeSpan.FromMilliseconds(graceMs) });
        var step = ScriptTestKit.CompileOk("var s = Enumerable.Repeat(0, 1_000_000_000).Sum(); while (true) {}", ScriptTestKit.Rule("long-sum", budgetMs: budgetMs), compiler);
        var good = ScriptTestKit.CompileOk("Tag(\"ok\", \"1\");", ScriptTestKit.Rule("good", budgetMs: 1000), compiler);

        var watch = Stopwatch.StartNew();
        await Assert.ThrowsAsync<RuleTimeoutException>(() => ScriptTestKit.RunAsync(step, ScriptTestKit.Context()));
        Assert.InRange(watch.ElapsedMilliseconds, budgetMs, budgetMs + 2 * graceMs + SlackMs);
        Assert.Equal(1, compiler.StuckWorkers);
        Assert.Equal(1, compiler.WrittenOffWorkers);
        await ScriptTestKit.RunAsync(good, ScriptTestKit.Context()); // the replacement

        // When Sum returns, the loop's first check throws (the run was stopped): the thread rejoins, surplus, and ends.
        var until = Stopwatch.StartNew();
        while (compiler.StuckWorkers != 0 && until.Elapsed < TimeSpan.FromSeconds(60)) Thread.Sleep(20);
        output.WriteLine($"library call ended {watch.Elapsed.TotalMilliseconds:0} ms after the run started");
        Assert.Equal(0, compiler.StuckWorkers);
        await ScriptTestKit.RunAsync(good, ScriptTestKit.Context());
    }

    [Fact]
    public void Compile_SyntaxErrorInScriptWithLoops_DiagnosticAtTheUsersLineAndColumn()
    {
        var rule = ScriptTestKit.Rule("broken") with { Path = "rules/loop-syntax-error.csx" };
        var result = ScriptTestKit.SharedCompiler.Compile(rule, ScriptTestKit.Fixture("loop-syntax-error.csx"));

        Assert.False(result.Success);
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("rules/loop-syntax-error.csx:6:31: error: CS1002: ; expected", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    // Line 5, at the faulting expression's sequence point (after a loop, a lambda and a local function on earlier lines).
    [InlineData("var a = new int[1];\nfor (var i = 0; i < 3; i++) a[0] += i;\nFunc<int, int> f = x => x + 1;\nint G(int x) => x * 2;\nvar n = G(f(a[0]));   var b = a[n];", 5, 31)]
    // Inside an expression-bodied lambda: the column of the lambda's body.
    [InlineData("var xs = new List<int> { 1, 2 };\nwhile (xs.Count < 3) xs.Add(0);\n\n\nvar r = xs.Select(x => 10 / (x - x)).ToList();", 5, 24)]
    // Inside a block-bodied local function with a loop.
    [InlineData("int Div(int x)\n{\n    while (x > 100) { x--; }\n    return 1 / (x - x);\n}\nDiv(5);", 4, 5)]
    public async Task Apply_ThrowingScriptWithChecks_LineAndColumnAreTheUsers(string code, int line, int column)
    {
        var step = ScriptTestKit.CompileOk(code, ScriptTestKit.Rule("throws-here", budgetMs: 2000));
        var unchecked_ = ScriptTestKit.CompileOk(code, ScriptTestKit.Rule("throws-here", budgetMs: 2000), new ScriptRuleCompiler(new ScriptRuleCompilerOptions { BudgetChecks = false }));

        var error = await Assert.ThrowsAsync<RuleExecutionException>(() => ScriptTestKit.RunAsync(step, ScriptTestKit.Context()));
        var reference = await Assert.ThrowsAsync<RuleExecutionException>(() => ScriptTestKit.RunAsync(unchecked_, ScriptTestKit.Context()));

        output.WriteLine($"with checks {error.Location}, without {reference.Location}");
        Assert.Equal(line, error.Location.Line);
        Assert.Equal(column, error.Location.Column);
    }

    [Theory]
    [InlineData("RuleGlobals.__gw_loop();", "__gw_loop")]
    [InlineData("Gateway.Policy.Abstractions.RuleGlobals.__gw_enter();", "__gw_enter")]
    [InlineData("void __gw_loop() { } __gw_loop();", "__gw_loop")]
    [InlineData("var __gw_x = 1;", "__gw_x")]
    [InlineData("var n = RuleGlobals.__gw_pass(1);", "__gw_pass")]
    public void Compile_ScriptNamingTheBudgetHelpers_Rejected(string code, string name)
    {
        var result = ScriptTestKit.SharedCompiler.Compile(ScriptTestKit.Rule("reserved"), code);

        Assert.False(result.Success);
        Assert.Contains(result.Errors, e => e.Message.Contains($"'{name}' is not allowed in rule scripts", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("var n = Enumerable.InfiniteSequence(0L, 1L).Last();", "Enumerable.InfiniteSequence")]
    [InlineData("var n = Enumerable.Sequence(0L, long.MaxValue, 1L).LongCount();", "Enumerable.Sequence")]
    [InlineData("var n = Enumerable.Repeat(Enumerable.Range(0, int.MaxValue), int.MaxValue).SelectMany(Enumerable.AsEnumerable).LongCount();", "passing the library method")]
    [InlineData("var xs = new[] { \"1\" }.Select(int.Parse).ToList();", "write a lambda instead")]
    [InlineData("Func<int, int> abs = new Func<int, int>(Math.Abs);", "passing the library method")]
    [InlineData("class C { ~C() { while (true) {} } }", "finalizers are not allowed")]
    [InlineData("class Boom : Exception { public override string Message { get { while (true) {} } } }", "declaring exception types is not allowed")]
    public void Compile_CodeOutsideTheBudgetChecks_Rejected(string code, string expected)
    {
        var result = ScriptTestKit.SharedCompiler.Compile(ScriptTestKit.Rule("escape"), code);

        Assert.False(result.Success, "compiled: " + code);
        Assert.Contains(result.Errors, e => e.Message.Contains(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("int Twice(int x) => x * 2; var n = new[] { 1, 2 }.Select(Twice).Sum(); Tag(\"n\", n.ToString());", "6")]
    [InlineData("var q = from a in new[] { 1, 2, 3 } let b = a * a where b > 1 orderby b descending select b; Tag(\"n\", string.Join(\",\", q));", "9,4")]
    [InlineData("var g = from w in new[] { \"a\", \"bb\", \"cc\" } group w by w.Length into grp select grp.Key + \":\" + grp.Count(); Tag(\"n\", string.Join(\",\", g));", "1:1,2:2")]
    [InlineData("class Box { int _v; public Box(int v) => _v = v; public int V => _v; public int this[int i] => _v + i; public static Box operator +(Box a, Box b) => new(a.V + b.V); } Tag(\"n\", (new Box(1) + new Box(2))[1].ToString());", "4")]
    [InlineData("Action<string> set = v => Tag(\"n\", v); Func<string> err = () => throw new InvalidOperationException(); set(\"ok\");", "ok")]
    [InlineData("var n = 0; do n++; while (n < 5); foreach (var (a, b) in new List<(int, int)> { (1, 2) }) n += a + b; Tag(\"n\", n.ToString());", "8")]
    [InlineData("var s = 0; for (var i = 0; i < 5; i++) { if (i == 3) goto done; s += i; } done: Tag(\"n\", s.ToString());", "3")]
    public async Task Apply_RewrittenScript_BehavesAsWritten(string code, string expected)
    {
        var step = ScriptTestKit.CompileOk(code, ScriptTestKit.Rule("behaves", budgetMs: 2000));
        var context = ScriptTestKit.Context();

        await ScriptTestKit.RunAsync(step, context);

        Assert.Equal(expected, context.Tags["n"]);
    }

    [Fact]
    public async Task Apply_HundredThousandIterationLoop_CheckOverheadMeasured()
    {
        // Same rule compiled with and without the inserted checks; numbers are reported, not asserted (no timing in asserts).
        const string code = "var sum = 0L; for (var i = 0; i < 100_000; i++) { sum += i % 7; } Tag(\"sum\", sum.ToString());";
        var options = new ScriptRuleCompilerOptions { Workers = 1 };
        var with = ScriptTestKit.CompileOk(code, ScriptTestKit.Rule("with", budgetMs: 5000), new ScriptRuleCompiler(options));
        var without = ScriptTestKit.CompileOk(code, ScriptTestKit.Rule("without", budgetMs: 5000), new ScriptRuleCompiler(options with { BudgetChecks = false }));
        var withOpt = ScriptTestKit.CompileOk(code, ScriptTestKit.Rule("with-opt", budgetMs: 5000), new ScriptRuleCompiler(options with { Optimize = true }));
        var withoutOpt = ScriptTestKit.CompileOk(code, ScriptTestKit.Rule("without-opt", budgetMs: 5000), new ScriptRuleCompiler(options with { Optimize = true, BudgetChecks = false }));

        var results = new List<string>();
        foreach (var (label, step) in new[] { ("checks, debug", with), ("no checks, debug", without), ("checks, optimised", withOpt), ("no checks, optimised", withoutOpt) })
        {
            for (var i = 0; i < 30; i++) await ScriptTestKit.RunAsync(step, ScriptTestKit.Context()); // tiered JIT warm-up
            const int runs = 200;
            var times = new double[runs];
            for (var i = 0; i < runs; i++)
            {
                var context = ScriptTestKit.Context();
                var watch = Stopwatch.StartNew();
                await ScriptTestKit.RunAsync(step, context);
                times[i] = watch.Elapsed.TotalMicroseconds;
                Assert.Equal("299995", context.Tags["sum"]);
            }
            Array.Sort(times);
            results.Add($"{label}: median {times[runs / 2]:0} us, p90 {times[runs * 9 / 10]:0} us per run of a 100k-iteration loop");
        }
        foreach (var line in results) output.WriteLine(line);
    }
}
