using System.Diagnostics;
using Gateway.Policy.Scripting;

namespace Gateway.Policy.Tests.Scripting;

/// <summary>Process CPU time is only meaningful with nothing else running in the test process.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCpuCollection
{
    public const string Name = "serial: process CPU time";
}

/// <summary>After a runaway script times out, its worker thread is no longer spinning: the process goes back to idle.</summary>
[Collection(SerialCpuCollection.Name)]
public sealed class ScriptBudgetCpuTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task Apply_InfiniteLoops_AfterTimeout_CpuIsReleased()
    {
        // Four spinning threads on a 2-core box: one may be descheduled past a 25 ms stop wait and be written off for a moment
        // (it comes back at its next check); a longer grace keeps this test about CPU, not scheduling.
        var compiler = new ScriptRuleCompiler(new ScriptRuleCompilerOptions { Workers = 4, MaxStuckWorkers = 4, Grace = TimeSpan.FromMilliseconds(200) });
        var loop = ScriptTestKit.CompileOk(ScriptTestKit.Fixture("infinite-loop.csx"), ScriptTestKit.Rule("loop", budgetMs: 50), compiler);

        // Four runaways at once: without the inserted checks that would be four threads spinning for good.
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => Assert.ThrowsAsync<RuleTimeoutException>(() => ScriptTestKit.RunAsync(loop, ScriptTestKit.Context())))));
        var until = Stopwatch.StartNew();
        while (compiler.StuckWorkers != 0 && until.Elapsed < TimeSpan.FromSeconds(30)) Thread.Sleep(10);
        Assert.Equal(0, compiler.StuckWorkers);
        Thread.Sleep(50);

        var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpuBefore = process.TotalProcessorTime;
        var threadsBefore = ThreadTicks();
        var wall = Stopwatch.StartNew();
        Thread.Sleep(500);
        process.Refresh();
        var cpu = process.TotalProcessorTime - cpuBefore;
        output.WriteLine($"process CPU over {wall.ElapsedMilliseconds} ms after the timeouts: {cpu.TotalMilliseconds:0} ms (one spinning worker alone would be ~500 ms)");
        var workersMs = 0L;
        foreach (var (name, ticks) in ThreadTicks())
        {
            var delta = ticks - threadsBefore.GetValueOrDefault(name);
            if (delta > 0) output.WriteLine($"  thread {name}: {delta * 10} ms");
            if (name.Contains(" rule-script-", StringComparison.Ordinal)) workersMs += delta * 10;
        }

        if (threadsBefore.Keys.Any(k => k.Contains(" rule-script-", StringComparison.Ordinal)))
        {
            // Linux: the script workers' own CPU time (the tiered JIT's background thread can take a few hundred ms here).
            output.WriteLine($"script worker threads: {workersMs} ms");
            Assert.True(workersMs < 100, $"script workers used {workersMs} ms of CPU in 500 ms: one is still spinning");
        }
        else
        {
            // Generous: GC, JIT and the test host's own threads; a single spinning worker would take ~the whole window.
            Assert.True(cpu < TimeSpan.FromMilliseconds(400), $"{cpu.TotalMilliseconds:0} ms of CPU in 500 ms: a worker is still spinning");
        }
        Assert.Equal(4, compiler.StoppedRuns + compiler.WrittenOffWorkers);
    }

    /// <summary>CPU clock ticks (1/100 s) per thread ("tid name"; .NET names the OS thread after Thread.Name), from /proc on Linux; empty elsewhere.</summary>
    private static Dictionary<string, long> ThreadTicks()
    {
        var result = new Dictionary<string, long>();
        if (!Directory.Exists("/proc/self/task")) return result;
        foreach (var dir in Directory.GetDirectories("/proc/self/task"))
        {
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var close = stat.LastIndexOf(')');
                var fields = stat[(close + 2)..].Split(' ');
                result[$"{Path.GetFileName(dir)} {stat[(stat.IndexOf('(') + 1)..close]}"] = long.Parse(fields[11]) + long.Parse(fields[12]);
            }
            catch (IOException)
            {
                // the thread ended meanwhile
            }
        }
        return result;
    }
}
