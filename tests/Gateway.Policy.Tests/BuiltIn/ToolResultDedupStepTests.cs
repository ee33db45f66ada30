using System.Text.Json;
using Gateway.Policy.BuiltIn;
using Gateway.Policy.BuiltIn.Dedup;
using Gateway.Policy.Configuration;
using Gateway.Policy.Tests.Configuration;
using Gateway.Policy.Tests.Pipeline;
using static Gateway.Policy.Tests.Pipeline.PolicyTestKit;

namespace Gateway.Policy.Tests.BuiltIn;

public class ToolResultDedupStepTests
{
    private static string File(string what, int n) => string.Concat(Enumerable.Range(1, n).Select(i => $"{what} line {i:D3}: some code of the file\n"));

    internal static ProfileConfig Profile(DedupConfig? dedup = null) =>
        new() { Name = "default", Dedup = dedup ?? new DedupConfig(), Pipeline = [BuiltInSteps.DedupToolResults] };

    private static List<string> Contents(Gateway.Core.Translation.CanonicalRequest r) => Texts(r);

    [Fact]
    public async Task Exact_duplicate_is_replaced_by_a_reference_to_the_first_copy_which_stays()
    {
        var logger = "Content of src/logger.js:\n" + File("logger", 40);
        var chat = new Chat().WithTools().System("sys").User("fix the logger")
            .Call("call_abc", "Read", """{"filepath":"src/logger.js"}""").Result("call_abc", logger)
            .Call("call_b", "Bash", """{"command":"npm test"}""").Result("call_b", File("test output", 20))
            .Call("call_xyz", "Read", """{"filepath":"src/logger.js"}""").Result("call_xyz", logger);
        var (request, report, context) = await RunAsync(Compile(Profile()), chat.Json);
        var m = Contents(request);
        Assert.Equal(logger, m[3]);                      // the first copy stays
        Assert.Equal("Content of src/logger.js:\n[identical to the result of Read call_abc above]", m[7]);
        Assert.Equal(File("test output", 20), m[5]);
        Assert.Equal(Serialize(Canonical(chat.Json).Request.Messages[5]), Serialize(request.Request.Messages[5])); // the tool call is untouched
        Assert.True(report.TokensSaved > 300);
        var change = Assert.Single(context.Changes);
        Assert.Equal("dedup_tool_results", change.RuleId);
        Assert.Contains("duplicate of call_abc", change.Detail);
    }

    [Fact]
    public async Task A_third_copy_names_the_first_one_and_the_same_content_under_another_header_is_identical()
    {
        var body = File("shared", 30);
        var chat = new Chat().User("go")
            .Call("c1", "Read", """{"filepath":"a.js"}""").Result("c1", "Content of a.js:\n" + body)
            .Call("c2", "Read", """{"filepath":"a.js"}""").Result("c2", "Content of a.js:\n" + body)
            .Call("c3", "Bash", """{"command":"cat a.js"}""").Result("c3", body);
        var m = Contents((await RunAsync(Compile(Profile()), chat.Json)).Request);
        Assert.Equal("Content of a.js:\n[identical to the result of Read c1 above]", m[4]);
        Assert.Equal("[identical to the result of Read c1 above]", m[6]);
    }

    [Fact]
    public async Task A_file_read_back_after_the_agent_wrote_it_refers_to_the_write_call_which_is_untouched()
    {
        var content = File("csv", 30);
        var args = JsonSerializer.Serialize(content, TestJson.Default.String);
        var chat = new Chat().User("write csv.js")
            .Call("call_w", "Write", $$"""{"filepath":"src/csv.js","content":{{args}}}""").Result("call_w", "Successfully created file: src/csv.js")
            .Call("call_r", "Read", """{"filepath":"src/csv.js"}""").Result("call_r", "Content of src/csv.js:\n" + content);
        var (request, _, context) = await RunAsync(Compile(Profile()), chat.Json);
        var m = Contents(request);
        Assert.Equal("Content of src/csv.js:\n[identical to the \"content\" argument of Write call_w above]", m[4]);
        Assert.Equal(Serialize(Canonical(chat.Json).Request.Messages[1]), Serialize(request.Request.Messages[1]));
        Assert.Contains("argument content", Assert.Single(context.Changes).Detail);
    }

    [Fact]
    public async Task Results_shorter_than_min_chars_are_left_alone()
    {
        var small = File("small", 5); // ~170 chars
        var chat = new Chat().User("go").Call("c1", "Bash", "{}").Result("c1", small).Call("c2", "Bash", "{}").Result("c2", small);
        Assert.Equal(small, Contents((await RunAsync(Compile(Profile()), chat.Json)).Request)[4]);
        Assert.Equal("[identical to the result of Bash c1 above]",
            Contents((await RunAsync(Compile(Profile(new DedupConfig { MinChars = 100 })), chat.Json)).Request)[4]);
    }

    [Fact]
    public async Task The_latest_user_message_and_user_text_are_never_touched()
    {
        var big = File("pasted", 40);
        var chat = new Chat().User(big).Call("c1", "Read", "{}").Result("c1", big).Assistant("ok").User(big);
        var (request, _, _) = await RunAsync(Compile(Profile()), chat.Json);
        var m = Contents(request);
        Assert.Equal(big, m[0]);
        Assert.Equal(big, m[2]); // the first tool result with that content
        Assert.Equal(big, m[4]); // latest user message
    }

    [Fact]
    public async Task Unknown_tool_names_still_name_the_call_and_results_without_ids_or_with_images_are_skipped()
    {
        var body = File("x", 30);
        var chat = new Chat().User("go")
            .Raw($$"""{"role":"tool","tool_call_id":"orphan","content":{{JsonSerializer.Serialize(body, TestJson.Default.String)}}}""")
            .Raw($$"""{"role":"tool","tool_call_id":"orphan2","content":{{JsonSerializer.Serialize(body, TestJson.Default.String)}}}""");
        var m = Contents((await RunAsync(Compile(Profile()), chat.Json)).Request);
        Assert.Equal("[identical to the tool result orphan above]", m[2]);
    }

    [Fact]
    public async Task Near_duplicate_gets_a_diff_that_applied_to_the_first_copy_gives_the_second()
    {
        var v1 = File("app", 60);
        var v2 = v1.Replace("app line 010: some code of the file\n", "app line 010: CHANGED\n", StringComparison.Ordinal)
            .Replace("app line 045: some code of the file\n", "", StringComparison.Ordinal) + "one more line\n";
        var chat = new Chat().User("edit app.js")
            .Call("call_r1", "Read", """{"filepath":"app.js"}""").Result("call_r1", "Content of app.js:\n" + v1)
            .Call("call_e", "Edit", """{"filepath":"app.js"}""").Result("call_e", "Successfully edited app.js")
            .Call("call_r2", "Read", """{"filepath":"app.js"}""").Result("call_r2", "Content of app.js:\n" + v2);
        var m = Contents((await RunAsync(Compile(Profile()), chat.Json)).Request);
        const string Head = "Content of app.js:\n[same as the result of Read call_r1 above, with these changes:]\n";
        Assert.StartsWith(Head, m[6]);
        var diff = m[6][Head.Length..];
        Assert.StartsWith("@@ ", diff);
        Assert.Equal(v2, ToolResultDedupDiffTests.Apply(v1, diff));
        Assert.True(m[6].Length < v2.Length * 0.4);

        // Off: left alone. Too different: left alone.
        Assert.Equal("Content of app.js:\n" + v2, Contents((await RunAsync(Compile(Profile(new DedupConfig { DiffNearDuplicates = false })), chat.Json)).Request)[6]);
        var rewritten = File("other", 60);
        var chat2 = new Chat().User("x").Call("r1", "Read", """{"filepath":"app.js"}""").Result("r1", "Content of app.js:\n" + v1)
            .Call("r2", "Read", """{"filepath":"app.js"}""").Result("r2", "Content of app.js:\n" + rewritten);
        Assert.Equal("Content of app.js:\n" + rewritten, Contents((await RunAsync(Compile(Profile()), chat2.Json)).Request)[4]);
    }

    [Fact]
    public async Task Without_a_header_a_rerun_of_the_same_tool_call_is_compared_with_the_previous_run()
    {
        var run1 = File("test", 40) + "# pass 40\n# duration 1.23\n";
        var run2 = File("test", 40) + "# pass 40\n# duration 1.31\n";
        var chat = new Chat().User("x")
            .Call("t1", "Bash", """{"command":"npm test"}""").Result("t1", run1)
            .Call("t2", "Bash", """{"command":"npm test"}""").Result("t2", run2)
            .Call("t3", "Bash", """{"command":"npm run lint"}""").Result("t3", run1.Replace("1.23", "9.99", StringComparison.Ordinal));
        var m = Contents((await RunAsync(Compile(Profile()), chat.Json)).Request);
        Assert.StartsWith("[same as the result of Bash t1 above, with these changes:]\n@@ ", m[4]);
        Assert.Equal(run2, ToolResultDedupDiffTests.Apply(run1, m[4][(m[4].IndexOf('\n') + 1)..]));
        Assert.Equal(run1.Replace("1.23", "9.99", StringComparison.Ordinal), m[6]); // another command: no candidate
    }

    [Theory]
    [InlineData("Content of src/logger.js:\nabc", "Content of src/logger.js:\n", "abc")]
    [InlineData("Search results for pattern \"x\":\n\nhit\n", "Search results for pattern \"x\":\n\n", "hit\n")]
    [InlineData("plain output\nmore", "", "plain output\nmore")]
    [InlineData("Header only:\n", "", "Header only:\n")]
    [InlineData("  indented:\nbody", "", "  indented:\nbody")]
    public void Header_split(string text, string header, string body) => Assert.Equal((header, body), ToolResultShape.Split(text));

    [Fact]
    public void The_step_is_registered_and_off_with_enabled_false_or_ENABLE_TOOL_RESULT_DEDUP_0()
    {
        var shipped = PolicyYamlLoader.LoadDirectory(PolicyYamlLoaderTests.Shipped);
        Assert.DoesNotContain(shipped.Diagnostics, d => d.IsError);
        var def = shipped.Profiles.Single(p => p.Name == "default");
        Assert.Equal(new DedupConfig(), def.Dedup); // the shipped YAML states the defaults
        Assert.Contains(BuiltInStepFactory.Create(def, _ => null), s => s is ToolResultDedupStep);

        foreach (var value in new[] { "0", "false", "off" })
        {
            var off = SeedOverrides.Apply(shipped.Profiles, new Dictionary<string, string?> { ["ENABLE_TOOL_RESULT_DEDUP"] = value }).Single(p => p.Name == "default");
            Assert.DoesNotContain(BuiltInStepFactory.Create(off, _ => null), s => s.Id == BuiltInSteps.DedupToolResults);
        }
        var on = SeedOverrides.Apply(shipped.Profiles, new Dictionary<string, string?> { ["ENABLE_TOOL_RESULT_DEDUP"] = "1" }).Single(p => p.Name == "default");
        Assert.Contains(BuiltInStepFactory.Create(on, _ => null), s => s.Id == BuiltInSteps.DedupToolResults);

        var yaml = PolicyYamlLoaderTests.Load(("profiles/default.yaml", "version: 1\ndedup: { enabled: false }\n")).Profiles.Single();
        Assert.Null(BuiltInStepFactory.CreateBuiltIn(yaml, BuiltInSteps.DedupToolResults));
        var tuned = PolicyYamlLoaderTests.Load(("profiles/default.yaml", "version: 1\ndedup: { min_chars: 10, diff_max_ratio: 0.25 }\n")).Profiles.Single();
        Assert.Equal(new DedupConfig { MinChars = 10, DiffMaxRatio = 0.25 }, tuned.Dedup);
        var bad = PolicyYamlLoaderTests.Load(("profiles/default.yaml", "version: 1\ndedup: { diff_max_ratio: 2 }\n"));
        Assert.Contains(bad.Diagnostics, d => d.IsError && d.ToString().Contains("dedup.diff_max_ratio", StringComparison.Ordinal));
    }
}
