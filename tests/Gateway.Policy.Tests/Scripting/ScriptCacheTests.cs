using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using Gateway.Policy.Abstractions;
using Gateway.Policy.Scripting;
using Xunit.Abstractions;

namespace Gateway.Policy.Tests.Scripting;

/// <summary>
/// Managed memory and the process's load contexts are only meaningful with nothing else running in the test process: a test of
/// another class compiling rules meanwhile (each compilation has its own load context) would count in them.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialMemoryCollection
{
    public const string Name = "serial: load contexts and managed memory";
}

/// <summary>The content-hash cache, and the rule load contexts being collected once no snapshot holds them.</summary>
[Collection(SerialMemoryCollection.Name)]
public sealed class ScriptCacheTests(ITestOutputHelper output)
{
    private const string Code = "if (Request.Messages.Count > 1) Tag(\"many\", \"yes\");";

    [Fact]
    public void Compile_UnchangedCode_SameInstanceWithoutRecompiling()
    {
        var compiler = new ScriptRuleCompiler();
        var rule = ScriptTestKit.Rule("same");

        var first = compiler.Compile(rule, Code);
        var second = compiler.Compile(rule, Code);

        Assert.False(first.FromCache);
        Assert.True(second.FromCache);
        Assert.Same(first.Rule, second.Rule);
        Assert.Equal(1, compiler.Compilations);
        Assert.Equal(1, compiler.CacheHits);
        output.WriteLine($"compile: {first.Elapsed.TotalMilliseconds:0.0} ms, cache hit: {second.Elapsed.TotalMilliseconds:0.000} ms");
    }

    [Fact]
    public void Compile_SameCodeOtherRuleOrBudget_SharesTheAssemblyNotTheStep()
    {
        var compiler = new ScriptRuleCompiler();

        var a = compiler.Compile(ScriptTestKit.Rule("a"), Code).Rule!;
        var b = compiler.Compile(ScriptTestKit.Rule("b"), Code).Rule!;
        var a2 = compiler.Compile(ScriptTestKit.Rule("a", budgetMs: 10), Code).Rule!;

        Assert.NotSame(a, b);
        Assert.NotSame(a, a2);
        Assert.Same(a.Handle, b.Handle);
        Assert.Same(a.Handle, a2.Handle);
        Assert.Equal(("rule:b", TimeSpan.FromMilliseconds(10)), (b.Id, a2.Budget));
        Assert.Equal(1, compiler.Compilations);
    }

    [Fact]
    public void Compile_ChangedCodeOrStage_Recompiles()
    {
        var compiler = new ScriptRuleCompiler();

        var a = compiler.Compile(ScriptTestKit.Rule("r"), Code).Rule!;
        var changed = compiler.Compile(ScriptTestKit.Rule("r"), Code + " // edited").Rule!;
        var response = compiler.Compile(ScriptTestKit.Rule("r", stage: PolicyStage.Response), Code).Rule!;

        Assert.NotSame(a.Handle, changed.Handle);
        Assert.NotSame(a.Handle, response.Handle);
        Assert.Equal(3, compiler.Compilations);
        Assert.Equal(3, compiler.LiveAssemblies);
    }

    [Fact]
    public void Reload_OldRuleContext_IsCollectedOnceNoSnapshotHoldsIt()
    {
        var compiler = new ScriptRuleCompiler();
        var (weakContext, weakHandle) = CompileRunAndDrop(compiler, Code);

        Assert.True(WaitForCollection(weakContext), "the rule's load context is still alive after the handle was dropped");
        Assert.False(weakHandle.IsAlive);
        Assert.Equal(0, compiler.LiveAssemblies);

        // The same content again is compiled afresh (the cache did not keep it alive).
        var again = compiler.Compile(ScriptTestKit.Rule("collect"), Code);
        Assert.False(again.FromCache);
        Assert.Equal(2, compiler.Compilations);
    }

    [Fact]
    public void Reload_ThrowingRule_ContextStillCollected()
    {
        var compiler = new ScriptRuleCompiler();
        var (weakContext, _) = CompileRunAndDrop(compiler, "throw new InvalidOperationException(\"boom\");");

        Assert.True(WaitForCollection(weakContext), "a rule that threw kept its load context alive");
    }

    [Fact]
    public async Task Reload_ManyChangedVersions_LoadContextsAndMemoryStayFlat()
    {
        // GW_SCRIPT_CHURN=1000 for a longer measurement (the bench/ load test does 1,000 reloads through the whole store).
        var versions = int.TryParse(Environment.GetEnvironmentVariable("GW_SCRIPT_CHURN"), out var n) && n >= 100 ? n : 200;
        var compiler = new ScriptRuleCompiler();
        var rule = ScriptTestKit.Rule("churn");
        var snapshots = new Queue<ScriptAssemblyHandle>(); // the two latest "snapshots" keep their handle, as a store would
        long afterWarmup = 0;
        var compileTimes = new List<double>();
        var watch = Stopwatch.StartNew();

        for (var i = 0; i < versions; i++)
        {
            var result = compiler.Compile(rule, $"var limit = {i}; if (Request.Messages.Count > limit) Tag(\"v\", \"{i}\");");
            Assert.True(result.Success);
            compileTimes.Add(result.Elapsed.TotalMilliseconds);
            var context = ScriptTestKit.Context();
            await ScriptTestKit.RunAsync(result.Rule!, context);
            snapshots.Enqueue(result.Handle!);
            if (snapshots.Count > 2) snapshots.Dequeue();
            if (i == 49) afterWarmup = SettledMemory();
            if (i % 100 == 99) output.WriteLine($"after {i + 1}: {SettledMemory() / 1024.0 / 1024:0.0} MB managed, {compiler.LiveAssemblies} live");
        }
        var afterAll = SettledMemory();
        var liveContexts = AssemblyLoadContext.All.Count(c => c.Name?.StartsWith("rule:churn:", StringComparison.Ordinal) == true);
        var allContexts = AssemblyLoadContext.All.Count();

        compileTimes.Sort();
        output.WriteLine($"{versions} versions in {watch.Elapsed.TotalSeconds:0.0} s; compile p50 {compileTimes[versions / 2]:0} ms, p95 {compileTimes[versions * 95 / 100]:0} ms, first {compileTimes.Max():0} ms max");
        output.WriteLine($"managed memory after 50: {afterWarmup / 1024.0 / 1024:0.0} MB, after {versions}: {afterAll / 1024.0 / 1024:0.0} MB; live rule contexts: {liveContexts} (all contexts: {allContexts}); cache entries alive: {compiler.LiveAssemblies}");

        Assert.InRange(liveContexts, 2, 6);
        Assert.True(allContexts < 50, $"{allContexts} load contexts alive: something creates a context per compilation");
        Assert.InRange(compiler.LiveAssemblies, 2, 6);
        Assert.True(afterAll < afterWarmup * 1.15 + 4 * 1024 * 1024, $"memory grew from {afterWarmup} to {afterAll} bytes");
        GC.KeepAlive(snapshots);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (WeakReference Context, WeakReference Handle) CompileRunAndDrop(ScriptRuleCompiler compiler, string code)
    {
        var result = compiler.Compile(ScriptTestKit.Rule("collect"), code);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        // Synchronous on purpose (this frame must end before the caller checks the weak references); off the test's context.
        try { Task.Run(() => ScriptTestKit.RunAsync(result.Rule!, ScriptTestKit.Context())).GetAwaiter().GetResult(); }
        catch (RuleExecutionException) { }
        Assert.Equal(1, compiler.LiveAssemblies);
        return (new WeakReference(result.Handle!.LoadContext), new WeakReference(result.Handle));
    }

    private static bool WaitForCollection(WeakReference weak)
    {
        for (var i = 0; i < 50 && weak.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            if (weak.IsAlive) Thread.Sleep(20);
        }
        return !weak.IsAlive;
    }

    private static long SettledMemory()
    {
        for (var i = 0; i < 5; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
