using Gateway.Policy.Configuration;
using Gateway.Policy.Pipeline;
using Gateway.Policy.Tests.Pipeline;
using static Gateway.Policy.Tests.Pipeline.PolicyTestKit;

namespace Gateway.Policy.Tests.BuiltIn;

public class BoilerplateStripStepTests
{
    private static ProfileConfig Profile(params BoilerplatePattern[] patterns) => new()
    {
        Name = "default",
        Boilerplate = new BoilerplateConfig { Patterns = patterns },
        Pipeline = [BuiltInSteps.StripBoilerplate],
    };

    private static readonly BoilerplatePattern Rules = new()
    {
        Id = "cursor-rules", Regex = @"<rules>[\s\S]*?</rules>", AppliesTo = ["system", "user"],
    };

    private static readonly BoilerplatePattern Banner = new() { Id = "banner", Exact = "You are an AI coding assistant.", AppliesTo = ["system"] };

    public static TheoryData<string, string, string> Cases => new()
    {
        // role, input, expected
        { "system", "You are an AI coding assistant.\n\n<rules>\nbe nice\n</rules>\n\n\n\nReal instruction.", "Real instruction." },
        { "user", "Context:\n<rules>x</rules>\n\n\n\nold question", "Context:\n\nold question" },
        { "assistant", "<rules>kept: assistant not listed</rules>", "<rules>kept: assistant not listed</rules>" },
        { "system", "nothing to strip\n\n\n\nkept blank lines", "nothing to strip\n\n\n\nkept blank lines" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Strips_patterns_for_their_roles_and_collapses_blank_lines(string role, string input, string expected)
    {
        var chat = new Chat().Raw($$"""{"role":"{{role}}","content":{{System.Text.Json.JsonSerializer.Serialize(input, TestJson.Default.String)}}}""").User("latest");
        var (request, report, _) = await RunAsync(Compile(Profile(Banner, Rules)), chat.Json);
        Assert.Equal(expected, Texts(request)[0]);
        Assert.Equal(input == expected ? StepStatus.NoChange : StepStatus.Applied, report.Steps.Single().Status);
    }

    [Fact]
    public async Task Never_touches_the_latest_user_message_or_tool_results()
    {
        var chat = new Chat().User("<rules>old</rules> q1").Call("c1", "read", "{}").Result("c1", "<rules>in a tool result</rules>").User("<rules>latest</rules> q2");
        var (request, _, _) = await RunAsync(Compile(Profile(Rules)), chat.Json);
        var m = Texts(request);
        Assert.Equal("q1", m[0]);
        Assert.Equal("<rules>in a tool result</rules>", m[2]);
        Assert.Equal("<rules>latest</rules> q2", m[3]);
    }

    [Fact]
    public async Task Regex_replacement_may_use_groups()
    {
        var p = new BoilerplatePattern { Id = "g", Regex = @"<file path=""([^""]+)"">[\s\S]*?</file>", Replacement = "[file $1 omitted]", AppliesTo = ["user"] };
        var chat = new Chat().User("see <file path=\"a.cs\">long</file>").User("latest");
        var (request, _, _) = await RunAsync(Compile(Profile(p)), chat.Json);
        Assert.Equal("see [file a.cs omitted]", Texts(request)[0]);
    }
}
