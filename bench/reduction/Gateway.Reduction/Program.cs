using System.Diagnostics;
using Gateway.Reduction;

// Token-economy measurement (issue #5). See bench/reduction/README.md.
//   dotnet run -c Release --project bench/reduction/Gateway.Reduction -- --sessions bench/reduction/sessions
// Options: --results FILE (default: bench/RESULTS.md of this repository; "-" = do not write),
//          --configs all|baseline,all-on,... (names as in the report, case-insensitive, or prefix/cache/dedup/strip/diff),
//          --timeout-seconds N (per request, default 60), --max-minutes N (whole run, default 20),
//          --set NAME=VALUE (extra gateway setting, repeatable), --self-check (the instruments on known inputs).
return await Cli.RunAsync(args);

internal static class Cli
{
    public static async Task<int> RunAsync(string[] args)
    {
        string? sessionsDir = null, results = null, configs = "all";
        int timeoutSeconds = 60, maxMinutes = 20;
        var sharedUpstream = false;
        var extra = new Dictionary<string, string?>();
        try
        {
            for (var i = 0; i < args.Length; i++)
            {
                string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
                switch (args[i])
                {
                    case "--sessions": sessionsDir = Next(); break;
                    case "--results": results = Next(); break;
                    case "--configs": configs = Next(); break;
                    case "--timeout-seconds": timeoutSeconds = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture); break;
                    case "--max-minutes": maxMinutes = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture); break;
                    case "--set":
                        var kv = Next().Split('=', 2);
                        extra[kv[0]] = kv.Length > 1 ? kv[1] : null;
                        break;
                    case "--shared-upstream": sharedUpstream = true; break;
                    case "--self-check": return SelfCheck.Run();
                    case "-h" or "--help":
                        Console.WriteLine("usage: Gateway.Reduction --sessions DIR [--results FILE|-] [--configs all|names] [--timeout-seconds 60] [--max-minutes 20] [--set NAME=VALUE] [--shared-upstream]");
                        return 0;
                    default: throw new ArgumentException($"unknown option {args[i]}");
                }
            }
            if (sessionsDir is null) throw new ArgumentException("--sessions DIR is required (e.g. bench/reduction/sessions)");
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }

        if (!Directory.Exists(sessionsDir))
        {
            Console.Error.WriteLine($"error: sessions directory not found: {Path.GetFullPath(sessionsDir)}");
            return 2;
        }
        var files = Directory.GetFiles(sessionsDir, "*.jsonl").Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0)
        {
            Console.Error.WriteLine($"error: no *.jsonl sessions in {Path.GetFullPath(sessionsDir)}");
            return 2;
        }
        List<SessionFile> sessions;
        try
        {
            sessions = files.Select(SessionFile.Load).ToList();
        }
        catch (InvalidDataException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }

        var repo = RepoRoot(Path.GetFullPath(sessionsDir)) ?? RepoRoot(Directory.GetCurrentDirectory()) ?? RepoRoot(AppContext.BaseDirectory);
        var policyDir = repo is not null ? Path.Combine(repo, "policies") : Path.Combine(AppContext.BaseDirectory, "policies");
        results ??= repo is not null ? Path.Combine(repo, "bench", "RESULTS.md") : "-";

        List<ReductionConfig> selected;
        try
        {
            selected = SelectConfigs(configs);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }

        Console.WriteLine($"{sessions.Count} sessions, {sessions.Sum(s => s.Requests.Count(r => r.IsCompletion))} requests; configurations: {string.Join(", ", selected.Select(c => c.Name))}");
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(maxMinutes));
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; cts.Cancel(); };
        var replayer = new Replayer(new ReplayOptions(policyDir, timeoutSeconds, extra, sharedUpstream));
        var runs = new List<(ReductionConfig, IReadOnlyList<RequestOutcome>)>();
        var clock = Stopwatch.StartNew();
        try
        {
            foreach (var config in selected)
            {
                var started = clock.Elapsed;
                var outcomes = await replayer.RunAsync(config, sessions, cts.Token);
                runs.Add((config, outcomes));
                Console.WriteLine($"  {config.Name}: {outcomes.Count} requests, {outcomes.Count(o => !o.Ok)} failed, {outcomes.Sum(o => o.UpstreamRejected)} rejected upstream ({(clock.Elapsed - started).TotalSeconds:0.0} s)");
            }
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine($"error: stopped after {clock.Elapsed.TotalMinutes:0.0} min (--max-minutes {maxMinutes} or Ctrl+C)");
            return 3;
        }
        catch (InvalidOperationException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 3;
        }

        var command = "dotnet run -c Release --project bench/reduction/Gateway.Reduction -- --sessions " + sessionsDir.TrimEnd('/')
            + (configs == "all" ? "" : $" --configs {configs}")
            + (sharedUpstream ? " --shared-upstream" : "");
        var markdown = Report.Markdown(sessions, runs, command, Commit(repo), clock.Elapsed, sharedUpstream);
        Console.WriteLine();
        Console.WriteLine(markdown);
        if (results != "-")
        {
            File.AppendAllText(results, (File.Exists(results) ? "\n" : "") + markdown);
            Console.WriteLine($"appended to {results}");
        }
        var failed = runs.Sum(r => r.Item2.Count(o => !o.Ok || o.UpstreamRejected > 0));
        return failed == 0 ? 0 : 1;
    }

    private static List<ReductionConfig> SelectConfigs(string spec)
    {
        if (spec.Equals("all", StringComparison.OrdinalIgnoreCase)) return [.. ReductionConfig.All];
        var picked = new List<ReductionConfig> { ReductionConfig.All[0] }; // the baseline is always needed
        foreach (var part in spec.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var match = ReductionConfig.All.FirstOrDefault(c =>
                c.Name.Equals(part, StringComparison.OrdinalIgnoreCase)
                || c.Name.Replace(" ", "-").StartsWith(part, StringComparison.OrdinalIgnoreCase)
                || c.Name.Contains(part, StringComparison.OrdinalIgnoreCase))
                ?? throw new ArgumentException($"unknown configuration '{part}': use {string.Join(", ", ReductionConfig.All.Select(c => c.Name))}");
            if (!picked.Contains(match)) picked.Add(match);
        }
        return picked;
    }

    private static string? RepoRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Gateway.sln"))) return dir.FullName;
        return null;
    }

    private static string Commit(string? repo)
    {
        if (repo is null) return "unknown";
        try
        {
            var psi = new ProcessStartInfo("git", "rev-parse --short HEAD") { WorkingDirectory = repo, RedirectStandardOutput = true, RedirectStandardError = true };
            using var p = Process.Start(psi)!;
            var head = p.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit(5000);
            psi.Arguments = "status --porcelain src";
            using var q = Process.Start(psi)!;
            var dirty = q.StandardOutput.ReadToEnd().Trim().Length > 0;
            q.WaitForExit(5000);
            if (head.Length == 0) return "unknown";
            return dirty ? $"{head} + uncommitted changes in src/" : head;
        }
        catch (Exception)
        {
            return "unknown";
        }
    }
}
