using Gateway.Core.Translation;
using System.Diagnostics;
using System.Runtime.Loader;
using Gateway.Core.Models;
using Gateway.Core.Protocol.OpenAi;
using Gateway.Policy.BuiltIn;
using Gateway.Policy.Engine;
using Gateway.Policy.Reload;
using Gateway.Policy.Scripting;
using Gateway.Policy.Snapshots;
using Gateway.Policy.Tokens;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.PolicyReload;

/// <summary>
/// Phase 3 (in-process variant of phase 2): the same churn through <see cref="PolicyStore"/>, <see cref="PolicySnapshotBuilder"/>
/// and <see cref="ScriptRuleCompiler"/> inside this tool, so what the gateway cannot show from outside can be counted:
/// after each reload the new rule runs twice (research profile through <see cref="PolicyEngine"/>), and at checkpoints the
/// tool (not the gateway) forces full collections and counts the rule load contexts still alive
/// (<see cref="AssemblyLoadContext.All"/>, names <c>rule:*</c>), the compiler's <see cref="ScriptRuleCompiler.LiveAssemblies"/>,
/// loaded assemblies, the managed heap and RSS. A count that grows with the reloads means something keeps old rules reachable.
/// </summary>
public sealed class InProcessChurn(string repoRoot, ReloadOptions options)
{
    public sealed record Checkpoint(int Reloads, int RuleContextsBeforeGc, int RuleContexts, int LiveAssemblies, int LoadedAssemblies, double HeapMiB, double GcCommittedMiB, double RssMiB);

    public sealed record Result(int Reloads, IReadOnlyList<Checkpoint> Checkpoints, IReadOnlyList<double> ReloadMs, int Failures, IReadOnlyList<string> FailureExamples, long RuleRuns, long RuleTimeouts, double Seconds);

    public async Task<Result> RunAsync()
    {
        var clock = Stopwatch.StartNew();
        using var policies = PolicyWorkspace.Create(repoRoot, "inproc");
        var compiler = new ScriptRuleCompiler();
        var store = new PolicyStore(new PolicySnapshotBuilder(compiler, new BuiltInStepOptions()), policies.Directory,
            new Dictionary<string, string?>(StringComparer.Ordinal), TimeProvider.System, NullLogger.Instance);
        var engine = new PolicyEngine(null, null, TiktokenEstimator.Instance, NullLogger.Instance);
        var request = ChatCompletionRequestParser.Parse(GatewayClient.RequestBody(stream: false));
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["X-Gateway-Profile"] = "research" };

        var checkpoints = new List<Checkpoint> { Sample(0, compiler) };
        var reloadMs = new List<double>();
        var failures = new List<string>();
        long runs = 0, timeouts = 0;
        var done = 0;
        for (var i = 1; i <= options.MemoryReloads && clock.Elapsed < TimeSpan.FromMinutes(options.MaxMinutes); i++)
        {
            policies.WriteValid(200_000 + i, null);
            var started = Stopwatch.StartNew();
            var outcome = store.Reload("bench");
            reloadMs.Add(started.Elapsed.TotalMilliseconds);
            if (!outcome.Succeeded || !outcome.Changed)
                failures.Add($"reload {i}: succeeded {outcome.Succeeded}, changed {outcome.Changed}: {string.Join("; ", outcome.Errors)}");
            for (var r = 0; r < 2; r++)
            {
                var canonical = new ChatToMessagesRequestTranslator(store.Current.Catalogue, new TranslationOptions()).ToCanonical(request);
                var shaped = await engine.ShapeRequestAsync(store.Current, new PolicyRequestInput(canonical, null, headers, DateTimeOffset.UtcNow));
                var step = shaped.Report?.Steps.FirstOrDefault(s => s.Id == "rule:long-sessions-to-opus");
                if (step?.Status == Gateway.Policy.Pipeline.StepStatus.TimedOut) timeouts++; // fail-open: first run of a new rule includes its JIT
                else if (shaped.Profile.Name != "research" || step is null || step.Error is not null)
                    failures.Add($"reload {i}: the rule did not run cleanly (profile {shaped.Profile.Name}, step {step?.StatusText ?? "missing"} {step?.Error})");
                else runs++;
            }
            done = i;
            if (i % 100 == 0 || i == options.MemoryReloads)
            {
                var c = Sample(i, compiler);
                checkpoints.Add(c);
                Console.WriteLine($"  {i,5} reloads in-process: rule contexts alive {c.RuleContextsBeforeGc} -> {c.RuleContexts} after full GC, LiveAssemblies {c.LiveAssemblies}, " +
                    $"assemblies {c.LoadedAssemblies}, heap {c.HeapMiB:0.0} MiB (GC committed {c.GcCommittedMiB:0.0}), RSS {c.RssMiB:0.0} MiB, reload p50 {Stats.Percentile(reloadMs, 50):0} ms");
            }
        }
        GC.KeepAlive(store);
        return new Result(done, checkpoints, reloadMs, failures.Count, failures.Take(5).ToList(), runs, timeouts, clock.Elapsed.TotalSeconds);
    }

    private static Checkpoint Sample(int reloads, ScriptRuleCompiler compiler)
    {
        var before = RuleContexts();
        // Unloading a collectible context takes several collections: finalize the context, then free its loader allocator.
        for (var n = 0; n < 8; n++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }
        return new Checkpoint(reloads, before, RuleContexts(), compiler.LiveAssemblies, AppDomain.CurrentDomain.GetAssemblies().Length,
            GC.GetTotalMemory(false) / 1024.0 / 1024.0, GC.GetGCMemoryInfo().TotalCommittedBytes / 1024.0 / 1024.0, Environment.WorkingSet / 1024.0 / 1024.0);
    }

    private static int RuleContexts() => AssemblyLoadContext.All.Count(c => c.IsCollectible && c.Name?.StartsWith("rule:", StringComparison.Ordinal) == true);
}
