using Gateway.Policy.Configuration;
using Gateway.Policy.Pipeline;
using Gateway.Policy.Scripting;
using Gateway.Policy.Snapshots;
using Gateway.Policy.Tests.Pipeline;
using static Gateway.Policy.Tests.Pipeline.PolicyTestKit;

namespace Gateway.Policy.Tests.Scripting;

/// <summary>
/// The memory budget of a rule run (<c>memory_mb</c>): allocations are counted on the run's worker thread, the inserted checks
/// stop a run past its budget, a run found over budget at its end fails too, and a constant huge allocation is refused at
/// compile time. Bytes are asserted, never times: the time budgets here are far above anything a run takes.
/// </summary>
public sealed class ScriptMemoryBudgetTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int MemoryMb = 16;
    private const long BudgetBytes = MemoryMb * 1024L * 1024;
    private const int BudgetMs = 10_000; // time must never be what stops these runs, even on a loaded machine

    private static ScriptRuleCompiler OneWorker() =>
        new(new ScriptRuleCompilerOptions { Workers = 1, MaxStuckWorkers = 0, Grace = TimeSpan.FromSeconds(5) });

    public static TheoryData<string, string> MemoryBombs => new()
    {
        { "list-of-strings", "var l = new List<string>(); while (true) l.Add(new string('x', 1_000_000));" },
        { "string-builder", "var sb = new StringBuilder(); while (true) sb.Append('x', 1_000_000);" },
        { "doubling-string", "var s = \"x\"; while (true) s += s;" },
        { "linq-lambda", "var all = Enumerable.Range(0, int.MaxValue).Where(i => i >= 0).Select(i => new string('x', 100_000)).ToList();" },
        { "local-function", "var keep = new List<int[]>(); void Grow() { keep.Add(new int[250_000]); } for (;;) Grow();" },
        { "caught-and-retried", "while (true) { try { var l = new List<string>(); while (true) l.Add(new string('x', 1_000_000)); } catch { } }" },
    };

    [Theory]
    [MemberData(nameof(MemoryBombs))]
    public async Task Apply_AllocatingLoop_StoppedByItsMemoryBudget_LongBeforeTenTimesIt_WorkerReused(string name, string code)
    {
        var compiler = OneWorker();
        var bomb = ScriptTestKit.CompileOk(code, ScriptTestKit.Rule(name, budgetMs: BudgetMs, memoryMb: MemoryMb), compiler);
        var good = ScriptTestKit.CompileOk("Tag(\"ok\", \"1\");", ScriptTestKit.Rule("good", budgetMs: BudgetMs), compiler);

        var context = ScriptTestKit.Context();
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var error = await Assert.ThrowsAsync<RuleMemoryBudgetException>(() => ScriptTestKit.RunAsync(bomb, context));
        var processWide = GC.GetTotalAllocatedBytes(precise: true) - before;
        output.WriteLine($"{name}: {error.Message} (process-wide {processWide / 1048576.0:0.0} MiB meanwhile)");

        // The run's own thread: over the budget by at most the last allocation before a check (here at most the budget again).
        Assert.Equal("rule:" + name, error.RuleId);
        Assert.Equal(BudgetBytes, error.BudgetBytes);
        Assert.InRange(error.AllocatedBytes, BudgetBytes, 3 * BudgetBytes);
        // The whole process, other tests running in parallel included: without the budget this loop allocates gigabytes
        // before its 10 s time budget stops it.
        Assert.InRange(processWide, 0, 1024L * 1024 * 1024);
        Assert.Empty(context.Changes);

        var next = ScriptTestKit.Context();
        await ScriptTestKit.RunAsync(good, next);
        Assert.Equal("1", next.Tags["ok"]);
        Assert.Equal(0, compiler.StuckWorkers);
        Assert.Equal(0, compiler.WrittenOffWorkers);
    }

    [Fact]
    public async Task Apply_RuleThatAllocatesALittle_Unaffected_RunAfterRun()
    {
        // About half the budget, on a worker that has just run other rules: each run counts from its own start.
        const string code = "var l = new List<string>(); for (var i = 0; i < 4; i++) l.Add(new string('x', 1_000_000)); Tag(\"n\", l.Sum(s => s.Length).ToString());";
        var step = ScriptTestKit.CompileOk(code, ScriptTestKit.Rule("little", budgetMs: BudgetMs, memoryMb: MemoryMb), OneWorker());

        for (var run = 0; run < 10; run++)
        {
            var context = ScriptTestKit.Context();
            await ScriptTestKit.RunAsync(step, context);
            Assert.Equal("4000000", context.Tags["n"]);
        }
    }

    [Fact]
    public async Task Apply_OneAllocationOverBudgetAfterTheLastCheck_FailsAtTheEndOfTheRun_AndIsRolledBack()
    {
        // No loop, and a size the compiler cannot see (two messages: 4 M chars, 8 MB): no check runs after the allocation,
        // so the run finishes, and is found over its budget when it ends.
        const string code = "var s = new string('x', Request.Messages.Count * 2_000_000); Tag(\"len\", s.Length.ToString());";
        var step = ScriptTestKit.CompileOk(code, ScriptTestKit.Rule("one-big", budgetMs: BudgetMs, memoryMb: 1), OneWorker());
        var context = ScriptTestKit.Context();

        var error = await Assert.ThrowsAsync<RuleMemoryBudgetException>(() => ScriptTestKit.RunAsync(step, context));

        Assert.InRange(error.AllocatedBytes, 8_000_000, 16_000_000);
        Assert.False(context.Tags.ContainsKey("len"));
        Assert.Empty(context.Changes);
    }

    [Fact]
    public async Task Apply_AllocationLargerThanTheRuntimeAllows_OutOfMemoryFailsTheRule_NotTheProcess()
    {
        // 1.2 G chars: over .NET's longest string, so the runtime refuses it (OutOfMemoryException) without allocating.
        const string code = "var s = new string('x', Request.Messages.Count * 600_000_000); Tag(\"len\", s.Length.ToString());";
        var compiler = OneWorker();
        var step = ScriptTestKit.CompileOk(code, ScriptTestKit.Rule("too-big", budgetMs: BudgetMs), compiler);
        var good = ScriptTestKit.CompileOk("Tag(\"ok\", \"1\");", ScriptTestKit.Rule("good", budgetMs: BudgetMs), compiler);

        var error = await Assert.ThrowsAsync<RuleExecutionException>(() => ScriptTestKit.RunAsync(step, ScriptTestKit.Context()));

        Assert.IsType<OutOfMemoryException>(error.InnerException);
        Assert.Equal(1, error.Location.Line);
        var next = ScriptTestKit.Context();
        await ScriptTestKit.RunAsync(good, next);
        Assert.Equal("1", next.Tags["ok"]);
    }

    [Theory]
    [InlineData("var s = new string('x', 500_000_000);", "'new string(...)' allocates about 954 MiB at once")]
    [InlineData("var s = new String('x', 1 << 29);", "'new string(...)' allocates about 1024 MiB")]
    [InlineData("var b = new byte[100_000_000];", "'new byte[...]' allocates about 95 MiB")]
    [InlineData("var m = new int[10_000, 10_000];", "'new int[...]' allocates about 381 MiB")]
    [InlineData("var j = new string[1][]; j[0] = new string[20_000_000];", "'new string[...]' allocates about 153 MiB")]
    [InlineData("var sb = new StringBuilder(100_000_000);", "'new StringBuilder(...)' allocates about 191 MiB")]
    [InlineData("var sb = new StringBuilder(16, 200_000_000); sb.EnsureCapacity(150_000_000);", "'StringBuilder.EnsureCapacity' allocates about 286 MiB")]
    [InlineData("var l = new List<long>(capacity: 50_000_000);", "'new List<long>(...)' allocates about 381 MiB")]
    [InlineData("var d = new Dictionary<string, int>(20_000_000);", "'new Dictionary<string, int>(...)' allocates about 229 MiB")]
    [InlineData("var p = \"x\".PadLeft(100_000_000);", "'string.PadLeft' allocates about 191 MiB")]
    [InlineData("var sb = new StringBuilder().Append('x', 100_000_000);", "'StringBuilder.Append' allocates about 191 MiB")]
    [InlineData("var a = new int[1]; Array.Resize(ref a, 100_000_000);", "'Array.Resize' allocates about 381 MiB")]
    [InlineData("var sb = new StringBuilder().Insert(0, \"ab\", 100_000_000);", "'StringBuilder.Insert' allocates about 191 MiB")]
    [InlineData("var p = \"x\".PadRight(totalWidth: 50_000_000);", "'string.PadRight' allocates about 95 MiB")]
    public void Compile_ConstantAllocationOverTheMemoryBudget_Rejected(string code, string expected)
    {
        var result = ScriptTestKit.SharedCompiler.Compile(ScriptTestKit.Rule("constant-bomb", memoryMb: MemoryMb), code);

        Assert.False(result.Success, "compiled: " + code);
        var error = Assert.Single(result.Errors);
        output.WriteLine(error.ToString());
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.EndsWith($"over the rule's memory budget of {MemoryMb} MiB (memory_mb); a single allocation cannot be stopped half-way", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("var s = new string('x', 1000); var b = new byte[1 << 20]; var sb = new StringBuilder(4096);")]
    [InlineData("var b = new byte[Request.Messages.Count * 100_000_000];")] // not a constant: left to the runtime checks
    [InlineData("int Make(int capacity) => capacity; var n = Make(100_000_000);")] // the script's own parameter named capacity
    [InlineData("class Pool { public Pool(int capacity) { } } var p = new Pool(100_000_000);")]
    [InlineData("var n = Enumerable.Repeat(1, 100_000_000).Sum();")] // lazy: no allocation of that size
    public void Compile_AllocationNotKnownToExceedTheBudget_Accepted(string code)
    {
        var result = ScriptTestKit.SharedCompiler.Compile(ScriptTestKit.Rule("fine", memoryMb: MemoryMb), code);

        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
    }

    [Fact]
    public void Compile_SameCodeUnderALargerMemoryBudget_Accepted_AndTheCacheDoesNotMixThem()
    {
        // The compile-time check depends on the budget: a cached assembly compiled under a larger one must not serve a
        // smaller one.
        const string code = "var b = new byte[100_000_000]; Tag(\"n\", b.Length.ToString());";
        var compiler = OneWorker();

        Assert.True(compiler.Compile(ScriptTestKit.Rule("big", memoryMb: 1024), code).Success);
        var small = compiler.Compile(ScriptTestKit.Rule("big", memoryMb: MemoryMb), code);

        Assert.False(small.Success);
        Assert.Contains(small.Errors, e => e.Message.Contains("'new byte[...]' allocates about 95 MiB", StringComparison.Ordinal));
    }

    public static TheoryData<string, string, int, StepStatus> Overruns => new()
    {
        { "memory", "var l = new List<string>(); while (true) l.Add(new string('x', 1_000_000));", BudgetMs, StepStatus.Failed },
        { "time", "while (true) { }", 50, StepStatus.TimedOut },
    };

    [Theory]
    [MemberData(nameof(Overruns))]
    public async Task Pipeline_RuleOverItsMemoryBudget_RolledBackCountedAndDisabled_LikeOneOverItsTimeBudget(string name, string code, int budgetMs, StepStatus status)
    {
        var compiler = OneWorker();
        var step = ScriptTestKit.CompileOk("Tag(\"before\", \"1\"); " + code, ScriptTestKit.Rule(name, budgetMs: budgetMs, memoryMb: MemoryMb), compiler);
        var profile = new CompiledProfile(new ProfileConfig { Name = "default" }, [step], []);
        var health = new RuleHealth(disableAfter: 2);
        var conversation = new Chat().System("sys").User("hello").Json;

        var first = (await RunAsync(profile, conversation, health)).Report;
        var second = (await RunAsync(profile, conversation, health)).Report;
        var (_, third, context) = await RunAsync(profile, conversation, health);

        foreach (var report in new[] { first, second })
        {
            var line = Assert.Single(report.Steps);
            output.WriteLine($"{name}: {line.Status}: {line.Error}");
            Assert.Equal(status, line.Status);
            Assert.Equal(0, line.Changes);
            Assert.False(report.Failed); // fail-open: the request goes on without the rule
        }
        if (status == StepStatus.Failed)
            Assert.Contains("over its memory budget of 16 MiB", first.Steps[0].Error, StringComparison.Ordinal);
        Assert.Equal([false, true], new[] { first.AnyNewlyDisabled, second.AnyNewlyDisabled });
        Assert.Equal(StepStatus.SkippedDisabled, Assert.Single(third.Steps).Status);
        Assert.Empty(context.Tags);
        var (id, failures, disabled, _) = Assert.Single(health.Report());
        Assert.Equal(("rule:" + name, 2, true), (id, failures, disabled));
    }
}
