using System.Globalization;
using System.Text;
using Gateway.Load;

namespace Gateway.PolicyReload;

/// <summary>The markdown section appended to bench/RESULTS.md.</summary>
public static class ReloadReport
{
    public static string Build(ReloadOptions o, MachineFacts machine, string command, DateTimeOffset started,
        ReloadUnderLoad.Result load, MemoryChurn.Result? memory, InProcessChurn.Result? inProcess)
    {
        var s = new StringBuilder();
        void L(string line = "") => s.Append(line).Append('\n');
        string F(double v, string format = "0") => v.ToString(format, CultureInfo.InvariantCulture);

        L($"## {started.UtcDateTime:yyyy-MM-dd HH:mm} UTC — Policy reload under load{(o.Label.Length > 0 ? " — " + o.Label : "")}");
        L();
        L($"- Machine: {machine}");
        L($"- Command: `{command}`");
        L($"- Setup: published Release gateway (Production) and simulator as separate processes on loopback; POLICY_DIR = a temp copy of " +
          $"`policies/`, POLICY_POLL_MS={o.PollMs} (file events debounced 250 ms + polling). Valid edit = the research profile's script rule " +
          $"(`{PolicyWorkspace.RulePath}`, a constant changes, so it recompiles) and a YAML value (`settings.opus_after_messages` in " +
          $"`{PolicyWorkspace.ProfilePath}`); broken edits rotate: {string.Join(", ", PolicyWorkspace.BrokenKinds)}. Client requests alternate " +
          "stream / non-stream and default / research profile (the rule runs); one counts as failed unless it is 200 and complete (`data: [DONE]` / `finish_reason`).");
        L();

        L("### Reloads under load");
        L();
        var valid = load.ActiveAfterSaveMs;
        var activeMs = valid.Where(v => v is not null).Select(v => v!.Value).ToList();
        var within2s = valid.Count(v => v is <= 2000);
        var broken = load.Broken;
        var shown = broken.Where(b => b.ErrorShownMs is not null).Select(b => b.ErrorShownMs!.Value).ToList();
        var probesOld = broken.Sum(b => b.OldVersionProbes);
        var probesBroken = broken.Sum(b => b.Probes);
        L("| measure | result |");
        L("| --- | --- |");
        L($"| reloads | {valid.Count + broken.Count} ({valid.Count} valid, {broken.Count} broken, alternating) in {F(load.Seconds, "0.0")} s |");
        L($"| requests | {load.Ok + load.Failed} ({load.Streams} stream) from {load.Clients} client tasks + {load.ProbeRequests} probes; **{load.Failed} failed** |");
        L($"| new version active after a valid save | p50 {F(Stats.Percentile(activeMs, 50))} ms, p95 {F(Stats.Percentile(activeMs, 95))} ms, max {F(activeMs.DefaultIfEmpty().Max())} ms (min {F(activeMs.DefaultIfEmpty().Min())} ms) |");
        L($"| every valid save active within 2 s | **{(within2s == valid.Count ? "yes" : "no")}** ({within2s}/{valid.Count}) |");
        L($"| broken save: old version kept serving | {probesOld}/{probesBroken} probe responses during broken windows carried the old version |");
        L($"| broken save: error on `GET /admin/policies` | {shown.Count}/{broken.Count} (`last_reload_error` set, version unchanged); after p50 {F(Stats.Percentile(shown, 50))} ms, max {F(shown.DefaultIfEmpty().Max())} ms |");
        L($"| responses with a version that was never a saved valid state | {(load.UnexpectedVersions.Count == 0 ? "none" : string.Join(", ", load.UnexpectedVersions))} |");
        L($"| request latency under reloads (all requests) | p50 {F(Stats.Percentile(load.RequestLatencies, 50), "0.0")} ms, p99 {F(Stats.Percentile(load.RequestLatencies, 99), "0.0")} ms, max {F(load.RequestLatencies.DefaultIfEmpty().Max(), "0.0")} ms |");
        L();
        foreach (var kind in PolicyWorkspace.BrokenKinds)
            if (broken.FirstOrDefault(b => b.Kind == kind && b.FirstError is not null) is { } example)
                L($"- Example diagnostic ({kind}): `{example.FirstError}`");
        if (load.FailureExamples.Count > 0)
        {
            L();
            L("Failed requests (first ones):");
            foreach (var e in load.FailureExamples) L($"- `{e.ReplaceLineEndings(" ")}`");
        }
        L();

        if (memory is not null)
        {
            L("### Memory over rule recompiles (gateway process)");
            L();
            L($"{memory.Reloads} reloads, each of a different rule script (a new assembly in a new collectible load context), by writing the file and calling " +
              $"`POST /admin/policies/reload`, with {memory.Clients} client tasks running ({memory.Ok} requests ok, **{memory.Failed} failed**); " +
              $"{memory.ReloadFailures} reload(s) not answered 200 with the expected version. Reload call p50 {F(Stats.Percentile(memory.ReloadMs, 50))} ms, " +
              $"p95 {F(Stats.Percentile(memory.ReloadMs, 95))} ms. VmRSS is the median of 5 samples 400 ms apart; nothing is forced in the gateway.");
            L();
            L("| reloads | gateway VmRSS MiB | VmHWM MiB | at s |");
            L("| ---: | ---: | ---: | ---: |");
            foreach (var c in memory.Checkpoints) L($"| {c.Reloads} | {F(c.RssMiB, "0.0")} | {F(c.PeakMiB, "0.0")} | {F(c.Seconds, "0")} |");
            L();
            var at100 = memory.Checkpoints.FirstOrDefault(c => c.Reloads == 100);
            var last = memory.Checkpoints[^1];
            if (at100 is not null && last.Reloads > 100)
            {
                var ratio = last.RssMiB / at100.RssMiB;
                L($"**RSS after {last.Reloads} reloads / after 100: {F(ratio, "0.000")} ({(ratio - 1) * 100:+0.0;-0.0}%) — {(Math.Abs(ratio - 1) <= 0.10 ? "within" : "NOT within")} the 10% target.**");
                L();
            }
            foreach (var e in memory.ReloadFailureExamples) L($"- reload failure: `{e.ReplaceLineEndings(" ")}`");
            foreach (var e in memory.FailureExamples) L($"- failed request: `{e.ReplaceLineEndings(" ")}`");
        }

        if (inProcess is not null)
        {
            L("### Memory over rule recompiles (in-process: PolicyStore + ScriptRuleCompiler in the tool)");
            L();
            L($"{inProcess.Reloads} reloads of a different rule script through `PolicyStore.Reload`, the new rule run twice after each " +
              $"({inProcess.RuleRuns} clean runs, {inProcess.RuleTimeouts} over the rule's 50 ms budget and skipped fail-open, {inProcess.Failures} other failure(s)); reload p50 {F(Stats.Percentile(inProcess.ReloadMs, 50))} ms. " +
              "At each checkpoint the tool forces full collections in its own process, then counts what is still alive.");
            L();
            L("| reloads | rule load contexts alive before GC | after full GC | compiler LiveAssemblies | loaded assemblies | managed heap MiB | GC committed MiB | RSS MiB |");
            L("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            foreach (var c in inProcess.Checkpoints)
                L($"| {c.Reloads} | {c.RuleContextsBeforeGc} | {c.RuleContexts} | {c.LiveAssemblies} | {c.LoadedAssemblies} | {F(c.HeapMiB, "0.0")} | {F(c.GcCommittedMiB, "0.0")} | {F(c.RssMiB, "0.0")} |");
            L();
            foreach (var e in inProcess.FailureExamples) L($"- failure: `{e.ReplaceLineEndings(" ")}`");
        }
        return s.ToString();
    }

    public static void Append(string resultsPath, string section)
    {
        var existing = File.Exists(resultsPath) ? File.ReadAllText(resultsPath) : "";
        var separator = existing.Length == 0 || existing.EndsWith("\n\n", StringComparison.Ordinal) ? "" : existing.EndsWith('\n') ? "\n" : "\n\n";
        File.AppendAllText(resultsPath, separator + section + "\n");
    }
}
