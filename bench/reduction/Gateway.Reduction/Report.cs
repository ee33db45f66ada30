using System.Globalization;
using System.Text;

namespace Gateway.Reduction;

/// <summary>The markdown report: configurations in total, each configuration per session, "all on" per session.</summary>
public static class Report
{
    public static string Markdown(
        IReadOnlyList<SessionFile> sessions,
        IReadOnlyList<(ReductionConfig Config, IReadOnlyList<RequestOutcome> Outcomes)> runs,
        string command,
        string commit,
        TimeSpan elapsed,
        bool sharedUpstream = false)
    {
        var baseline = runs.First(r => r.Config.IsBaseline).Outcomes.ToDictionary(o => (o.Session, o.Seq));
        var sb = new StringBuilder();
        sb.AppendLine($"## {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC — Token economy{(sharedUpstream ? " (sessions back to back, one upstream)" : "")}");
        sb.AppendLine();
        sb.AppendLine($"- Command: `{command}` ({elapsed.TotalSeconds:0} s), commit {commit}");
        sb.AppendLine($"- Sessions: {sessions.Count} recorded Continue CLI sessions, {sessions.Sum(s => s.Requests.Count(r => r.IsCompletion))} requests, replayed in order through the gateway " +
                      (sharedUpstream
                          ? "(in-process, Production) to ONE strict simulator for all sessions, back to back (a developer's day within the cache TTL: a session may read what an earlier one cached)."
                          : "(in-process, Production) to the strict simulator (fresh per session, so each session starts with an empty prompt cache)."));
        sb.AppendLine("- Tokens the client sent = the upstream's input total for the same request with every reduction off (baseline). " +
                      "Raw reduction = 1 − sent/client; effective = 1 − (input + 1.25·write5m + 2·write1h + 0.1·read)/client. " +
                      "Retention = must-keep facts found in the upstream body / facts in the client's request (see bench/reduction/README.md).");
        sb.AppendLine();

        sb.AppendLine("### All sessions, by configuration");
        sb.AppendLine();
        sb.AppendLine("| configuration | requests | failed | rejected upstream | client tokens | sent upstream | cache write 5m | cache write 1h | cache read | raw reduction | effective input cost reduction | retention | min retention | facts checked | output tokens |");
        sb.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var (config, outcomes) in runs)
        {
            var s = Summary.Of(outcomes, baseline);
            sb.AppendLine($"| {config.Name} | {s.Requests} | {s.Failed} | {s.Rejected} | {N(s.BaselineTokens)} | {N(s.SentTokens)} | {N(s.CacheWrite5m)} | {N(s.CacheWrite1h)} | {N(s.CacheRead)} | {P(s.RawReduction)} | **{P(s.EffectiveReduction)}** | {P(s.Retention)} | {P(s.MinRetention)} | {N(s.Facts)} | {N(s.OutputTokens)} |");
        }
        sb.AppendLine();

        sb.AppendLine("### Effective input cost reduction per session and configuration (each switch alone, then all on)");
        sb.AppendLine();
        sb.Append("| session | requests | client tokens |");
        foreach (var (config, _) in runs) sb.Append($" {config.Name} |");
        sb.AppendLine();
        sb.Append("| --- | ---: | ---: |");
        foreach (var _ in runs) sb.Append(" ---: |");
        sb.AppendLine();
        foreach (var session in sessions)
        {
            var baseSummary = Summary.Of(runs.First(r => r.Config.IsBaseline).Outcomes.Where(o => o.Session == session.Name), baseline);
            sb.Append($"| {session.Name} | {baseSummary.Requests} | {N(baseSummary.BaselineTokens)} |");
            foreach (var (_, outcomes) in runs)
                sb.Append($" {P(Summary.Of(outcomes.Where(o => o.Session == session.Name), baseline).EffectiveReduction)} |");
            sb.AppendLine();
        }
        sb.AppendLine();

        var all = runs.Last();
        sb.AppendLine($"### Per session, \"{all.Config.Name}\"");
        sb.AppendLine();
        sb.AppendLine("| session | requests | failed | rejected | client tokens | sent upstream | input | cache write | cache read | raw reduction | effective reduction | retention | min retention | output tokens |");
        sb.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var session in sessions)
        {
            var s = Summary.Of(all.Outcomes.Where(o => o.Session == session.Name), baseline);
            sb.AppendLine($"| {session.Name} | {s.Requests} | {s.Failed} | {s.Rejected} | {N(s.BaselineTokens)} | {N(s.SentTokens)} | {N(s.InputTokens)} | {N(s.CacheWrite5m + s.CacheWrite1h)} | {N(s.CacheRead)} | {P(s.RawReduction)} | {P(s.EffectiveReduction)} | {P(s.Retention)} | {P(s.MinRetention)} | {N(s.OutputTokens)} |");
        }
        var t = Summary.Of(all.Outcomes, baseline);
        sb.AppendLine($"| **total** | {t.Requests} | {t.Failed} | {t.Rejected} | {N(t.BaselineTokens)} | {N(t.SentTokens)} | {N(t.InputTokens)} | {N(t.CacheWrite5m + t.CacheWrite1h)} | {N(t.CacheRead)} | {P(t.RawReduction)} | **{P(t.EffectiveReduction)}** | {P(t.Retention)} | {P(t.MinRetention)} | {N(t.OutputTokens)} |");
        sb.AppendLine();

        var problems = runs.SelectMany(r => r.Outcomes.Where(o => !o.Ok || o.UpstreamRejected > 0).Select(o => $"{r.Config.Name} / {o.Session} #{o.Seq}: {o.Error ?? $"{o.UpstreamRejected} rejected upstream"}")).ToList();
        if (problems.Count > 0)
        {
            sb.AppendLine("Failures:");
            sb.AppendLine();
            foreach (var p in problems.Take(20)) sb.AppendLine($"- {p.Replace('\n', ' ')}");
            if (problems.Count > 20) sb.AppendLine($"- ... and {problems.Count - 20} more");
            sb.AppendLine();
        }
        var lost = all.Outcomes.Where(o => o.Retention.Missing.Count > 0).ToList();
        if (lost.Count > 0)
        {
            sb.AppendLine($"Facts missing upstream in \"{all.Config.Name}\" (first 10):");
            sb.AppendLine();
            foreach (var o in lost.SelectMany(o => o.Retention.Missing.Select(f => (o, f))).Take(10))
                sb.AppendLine($"- {o.o.Session} #{o.o.Seq}: {o.f.Kind} `{Short(o.f.Text)}`");
            sb.AppendLine();
        }
        return sb.ToString();
    }

    private static string Short(string s)
    {
        var one = s.Replace('\n', ' ').Replace('`', '\'');
        return one.Length <= 80 ? one : one[..80] + "...";
    }

    private static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    private static string P(double x) => (x * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";
}
