using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Gateway.Policy.Abstractions;
using Gateway.Policy.Pipeline;
using Gateway.Policy.Snapshots;
using Gateway.Policy.Tokens;
using Xunit.Abstractions;
using static Gateway.Policy.Tests.Pipeline.PolicyTestKit;

namespace Gateway.Policy.Tests.BuiltIn;

/// <summary>The step on recorded Continue sessions: history stability, real duplicates and near-duplicates, and the token saving.</summary>
public class ToolResultDedupSessionTests(ITestOutputHelper output)
{
    private static readonly CompiledProfile Profile = Compile(ToolResultDedupStepTests.Profile());

    internal static string RepoRoot([CallerFilePath] string path = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, "..", "..", ".."));

    /// <summary>The request bodies of a JSONL session (one <c>{"seq","headers","body"}</c> per line), as JSON text.</summary>
    internal static List<string> Bodies(string file) =>
        File.ReadLines(file).Where(l => l.Trim().Length > 0).Select(l =>
        {
            using var doc = JsonDocument.Parse(l);
            return doc.RootElement.GetProperty("body").GetRawText();
        }).ToList();

    private static string Fixture => Path.Combine(AppContext.BaseDirectory, "fixtures", "openai", "continue-session-1.jsonl");

    /// <summary>The public sample (the test fixture) and the recorded sessions of bench/reduction.</summary>
    internal static List<string> SessionNames()
    {
        var names = new List<string> { "fixtures/openai/continue-session-1.jsonl" };
        var dir = Path.Combine(RepoRoot(), "bench", "reduction", "sessions");
        var sample = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, names[0]));
        if (Directory.Exists(dir))
            names.AddRange(Directory.GetFiles(dir, "*.jsonl").Where(f => !File.ReadAllBytes(f).AsSpan().SequenceEqual(sample)) // the sample is there too
                .Select(f => "bench/reduction/sessions/" + Path.GetFileName(f)).Order(StringComparer.Ordinal));
        return names;
    }

    public static TheoryData<string> Sessions() => [.. SessionNames()];

    private static string Resolve(string name) => name.StartsWith("fixtures/", StringComparison.Ordinal)
        ? Path.Combine(AppContext.BaseDirectory, name)
        : Path.Combine(RepoRoot(), name);

    /// <summary>
    /// Request k+1 resends request k's messages and adds more; after the step, every message the client resent unchanged must come out
    /// with the same bytes as in request k. (Continue rewrites its system prompt's git status on a new user turn: a message the client
    /// itself changed is not compared.)
    /// </summary>
    [Theory]
    [MemberData(nameof(Sessions))]
    public async Task Transformed_request_k_is_a_prefix_of_transformed_request_k_plus_1(string session)
    {
        var bodies = Bodies(Resolve(session));
        Assert.True(bodies.Count >= 8);
        List<string>? previous = null, previousRaw = null;
        int compared = 0, replaced = 0;
        for (var k = 0; k < bodies.Count; k++)
        {
            var raw = Canonical(bodies[k]).Request.Messages.Select(Serialize).ToList();
            var (request, report, context) = await RunAsync(Profile, bodies[k], sessionId: "s");
            Assert.False(report.Failed);
            replaced += context.Changes.Count;
            var messages = request.Request.Messages.Select(Serialize).ToList();
            if (previous is not null)
            {
                Assert.True(messages.Count >= previous.Count, $"request {k + 1} is shorter than request {k}");
                for (var i = 0; i < previous.Count; i++)
                {
                    if (previousRaw![i] != raw[i]) continue;
                    compared++;
                    Assert.True(previous[i] == messages[i], $"{session}: request {k + 1} message {i} differs from request {k}");
                }
            }
            (previous, previousRaw) = (messages, raw);
        }
        Assert.True(compared > bodies.Count * 5);
        if (session.Contains("continue-session-1", StringComparison.Ordinal)) Assert.True(replaced > 0); // the property is not vacuous
    }

    [Fact]
    public async Task On_the_public_sample_the_second_read_of_logger_js_refers_to_the_first()
    {
        var last = Bodies(Fixture)[^1];
        var (request, _, context) = await RunAsync(Profile, last);
        var texts = Texts(request);
        Assert.StartsWith("Content of src/logger.js:\n'use strict';", texts[5]);
        Assert.Equal("Content of src/logger.js:\n[identical to the result of Read call_XcyVYpACYC4bNBRNVRo1fHQG above]", texts[11]);
        Assert.Single(context.Changes);
    }

    [Fact]
    public async Task A_real_reread_after_a_rewrite_refers_to_the_write_not_to_a_diff_larger_than_the_file()
    {
        var file = Path.Combine(RepoRoot(), "bench", "reduction", "sessions", "continue-refactor-receipt.jsonl");
        if (!File.Exists(file)) return; // the session set is optional for this test
        var last = Bodies(file)[^1];
        var original = Parse(last).Messages!.Select(m => m.Content is { ValueKind: JsonValueKind.String } c ? c.GetString()! : "").ToList();
        var (request, _, context) = await RunAsync(Profile, last);
        var texts = Texts(request);
        var reads = Enumerable.Range(0, texts.Count).Where(i => original[i].StartsWith("Content of src/format.js:", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, reads.Count);
        Assert.Equal(original[reads[0]], texts[reads[0]]);
        // The agent rewrote the file with Write and read it back: the read repeats the Write's "content" argument.
        Assert.Matches(@"^Content of src/format\.js:\n\[identical to the ""content"" argument of Write call_\w+ above\]$", texts[reads[1]]);
        var (_, body1) = Gateway.Policy.BuiltIn.Dedup.ToolResultShape.Split(original[reads[0]]);
        var (_, body2) = Gateway.Policy.BuiltIn.Dedup.ToolResultShape.Split(original[reads[1]]);
        var diff = Gateway.Policy.BuiltIn.Dedup.LineDiff.Unified(body1, body2)!;
        Assert.True(diff.Length > 0.4 * body2.Length);
        Assert.Equal(body2, ToolResultDedupDiffTests.Apply(body1, diff)); // a real rewrite round-trips through the diff
        Assert.DoesNotContain(context.Changes, c => c.Detail.Contains("diff against", StringComparison.Ordinal)); // too large to send
    }

    /// <summary>
    /// The measurement: estimated cl100k tokens of every request of each session (messages' text, tool-call arguments, tool results and
    /// tool definitions), summed over the session, before and after the step. Printed; run with
    /// <c>dotnet test tests/Gateway.Policy.Tests --filter ToolResultDedupSessionTests.Token_saving --logger "console;verbosity=detailed"</c>.
    /// </summary>
    [Fact]
    public async Task Token_saving_per_session()
    {
        var t = TiktokenEstimator.Instance;
        long allBefore = 0, allAfter = 0, allResultsBefore = 0;
        output.WriteLine("| session | requests | tokens before | after | saved | saved % | tool-result tokens | replaced (identical/diff) |");
        output.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var session in SessionNames())
        {
            var bodies = Bodies(Resolve(session));
            long before = 0, after = 0, results = 0;
            int identical = 0, diffs = 0;
            foreach (var body in bodies)
            {
                var request = Canonical(body);
                var view = View(request, "s", Sonnet);
                var tools = view.Tools.Sum(x => (long)t.Count(x.Name + "\n" + x.Description + "\n" + x.ParametersJson));
                before += tools + view.AllBlocks.Sum(b => (long)t.Count(b.Text));
                results += view.AllBlocks.Where(b => b.Kind == BlockKind.ToolResult).Sum(b => (long)t.Count(b.Text));
                var context = Context(view);
                var report = await PolicyPipeline.RunRequestAsync(Profile, context, new RuleHealth(), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
                Assert.False(report.Failed);
                after += tools + view.AllBlocks.Sum(b => (long)t.Count(b.Text));
                identical += context.Changes.Count(c => c.Detail.Contains("duplicate of", StringComparison.Ordinal));
                diffs += context.Changes.Count(c => c.Detail.Contains("diff against", StringComparison.Ordinal));
            }
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {Path.GetFileName(session)} | {bodies.Count} | {before:N0} | {after:N0} | {before - after:N0} | {(before - after) * 100.0 / before:F1}% | {results:N0} | {identical}/{diffs} |"));
            allBefore += before;
            allAfter += after;
            allResultsBefore += results;
            Assert.True(after <= before);
        }
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| total | | {allBefore:N0} | {allAfter:N0} | {allBefore - allAfter:N0} | {(allBefore - allAfter) * 100.0 / allBefore:F1}% | {allResultsBefore:N0} | |"));
        Assert.True(allAfter < allBefore);
    }
}
