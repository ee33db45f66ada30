using Gateway.Policy.Configuration;
using Gateway.Policy.Snapshots;
using static Gateway.Policy.Tests.Pipeline.PolicyTestKit;

namespace Gateway.Policy.Tests.Pipeline;

/// <summary>
/// Prompt caching needs every old turn to get the same bytes in every later request. Request k+1 = request k plus more turns;
/// after the whole pipeline, the messages of k must come out of k+1 unchanged — with one documented exception: k's latest user
/// message, which no built-in touches while it is the latest, is reduced like any old turn once a newer user message exists.
/// </summary>
public class HistoryStabilityTests
{
    private static readonly CompiledProfile Profile = Compile(new ProfileConfig
    {
        Name = "default",
        Boilerplate = new BoilerplateConfig
        {
            Patterns =
            [
                new BoilerplatePattern { Id = "rules", Regex = @"<rules>[\s\S]*?</rules>", AppliesTo = ["system", "user"] },
                new BoilerplatePattern { Id = "reminder", Exact = "<reminder>be concise</reminder>", AppliesTo = ["user", "assistant"] },
            ],
        },
        Caps = new CapsConfig { System = new ContentCap(400), User = new ContentCap(300), ToolResult = new ContentCap(200) },
        Routing = new RoutingConfig { HardTaskPatterns = ["architecture"], ManyFilesThreshold = 3 },
        DiffFirst = new DiffFirstConfig { Enabled = true, Instruction = "Answer edits with unified diffs." },
    }, FreshOptions());

    private static string Big(string what, int n) => string.Join("\n", Enumerable.Range(0, n).Select(i => $"{what} {i}: some repeated content for the cap"));

    private static Chat Start() => new Chat().WithTools()
        .System("<rules>ide rules</rules>\nYou are a coding agent.\n" + Big("system", 200))
        .User("<reminder>be concise</reminder>\nfix the bug in src/a.cs\n" + Big("user paste", 150))
        .Call("c1", "read_file", """{"path":"src/a.cs"}""")
        .Result("c1", Big("file line", 300))
        .Assistant("<reminder>be concise</reminder> I will change src/b.cs too.")
        .Call("c2", "read_file", """{"path":"src/b.cs"}""")
        .Result("c2", Big("other file", 300));

    [Fact]
    public async Task An_agent_loop_step_keeps_every_earlier_message_identical()
    {
        var k = Start();
        var k1 = k.Clone().Call("c3", "edit_file", """{"path":"src/a.cs"}""").Result("c3", Big("edit output", 100));
        var (rk, _, _) = await RunAsync(Profile, k.Json, sessionId: "s");
        var (rk1, _, _) = await RunAsync(Profile, k1.Json, sessionId: "s");
        var before = rk.Request.Messages.Select(Serialize).ToList();
        var after = rk1.Request.Messages.Select(Serialize).ToList();
        Assert.True(after.Count > before.Count);
        for (var i = 0; i < before.Count; i++) Assert.Equal(before[i], after[i]);
        Assert.Equal(rk.Request.Model, rk1.Request.Model);
    }

    [Fact]
    public async Task A_new_user_turn_keeps_every_earlier_message_identical_except_the_previous_latest_user_message()
    {
        var k = Start().Assistant("Done.").User("<reminder>be concise</reminder>\nnow explain the architecture\n" + Big("pasted log", 150));
        var k1 = k.Clone().Assistant("It is layered.").User("thanks");
        var (rk, _, _) = await RunAsync(Profile, k.Json, sessionId: "s2");
        var (rk1, _, _) = await RunAsync(Profile, k1.Json, sessionId: "s2");
        var before = rk.Request.Messages.Select(Serialize).ToList();
        var after = rk1.Request.Messages.Select(Serialize).ToList();
        var latestOfK = rk.Request.Messages.FindLastIndex(m => m.Role == "user");
        for (var i = 0; i < before.Count; i++)
        {
            if (i == latestOfK) Assert.NotEqual(before[i], after[i]); // untouched while latest, reduced once old
            else Assert.Equal(before[i], after[i]);
        }
        Assert.Equal(rk.Request.Model, rk1.Request.Model); // sticky
        Assert.Contains("be concise", before[latestOfK]);
        Assert.DoesNotContain("be concise", after[latestOfK]);
    }
}
