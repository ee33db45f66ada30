using Gateway.Policy.BuiltIn;
using Gateway.Policy.Configuration;
using Gateway.Policy.Tests.Pipeline;
using static Gateway.Policy.Tests.Pipeline.PolicyTestKit;

namespace Gateway.Policy.Tests.BuiltIn;

public class DiffFirstStepTests
{
    private const string Instruction = "When you edit files, answer with unified diffs.";

    private static ProfileConfig Profile(bool enabled = true) => new()
    {
        Name = "default",
        DiffFirst = new DiffFirstConfig { Enabled = enabled, Instruction = Instruction },
        Pipeline = [BuiltInSteps.DiffFirst],
    };

    public static TheoryData<string, bool, bool> Cases => new()
    {
        // latest user text, tools offered, note expected
        { "fix the null check", true, true },
        { "fix the null check in src/app/main.ts", false, true },
        { "fix this:\n```cs\nvar x = 1;\n```", false, true },
        { "fix the null check", false, false },      // edit, but no tools and no file content
        { "what does this project do?", true, false }, // no edit ask
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Adds_the_note_only_for_edit_tasks_with_tools_or_files(string latest, bool tools, bool expected)
    {
        var chat = new Chat().System("sys").User(latest);
        if (tools) chat.WithTools();
        var (request, _, ctx) = await RunAsync(Compile(Profile()), chat.Json);
        if (expected)
        {
            Assert.Equal(DiffFirstStep.NoteId, Assert.Single(ctx.Request.SystemNotes).Id);
            // The note is one system block after the client's system prompt.
            Assert.Equal(["sys", Instruction], request.Request.System!.Select(b => b.Text!).ToList());
        }
        else Assert.Empty(ctx.Request.SystemNotes);
    }

    [Fact]
    public async Task Once_an_edit_was_asked_the_note_stays_for_the_session()
    {
        var chat = new Chat().WithTools().User("fix the parser").Assistant("done").User("thanks, what next?");
        var (_, _, ctx) = await RunAsync(Compile(Profile()), chat.Json);
        Assert.Single(ctx.Request.SystemNotes);
    }

    [Fact]
    public void Disabled_profile_gets_no_step()
    {
        Assert.Empty(BuiltInStepFactory.Create(Profile(enabled: false), _ => null));
    }
}
