using Gateway.Policy.Abstractions;
using Gateway.Policy.Scripting;

namespace Gateway.Policy.Tests.Scripting;

/// <summary>Compiling rule scripts: the step's shape, and compile errors with file:line:col.</summary>
public sealed class ScriptRuleCompilerTests
{
    [Fact]
    public void Compile_GoodScript_StepCarriesRuleIdStageAndBudget()
    {
        var rule = ScriptTestKit.Rule("refactor-to-opus", budgetMs: 75);
        var result = ScriptTestKit.SharedCompiler.Compile(rule, ScriptTestKit.Fixture("refactor-to-opus.csx"));

        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        Assert.Empty(result.Errors);
        var step = result.Rule!;
        Assert.Equal("rule:refactor-to-opus", step.Id);
        Assert.Equal("refactor-to-opus", step.RuleId);
        Assert.Equal(PolicyStage.Request, step.Stage);
        Assert.Equal(TimeSpan.FromMilliseconds(75), step.Budget);
        Assert.False(step.Trusted);
        Assert.Same(step.Handle, result.Handle);
        Assert.Equal(64, step.Handle.ContentHash.Length);
    }

    [Fact]
    public void Compile_SyntaxAndNameErrors_ReportedWithPositions()
    {
        var rule = ScriptTestKit.Rule("broken") with { Path = "rules/broken-syntax.csx" };
        var result = ScriptTestKit.SharedCompiler.Compile(rule, ScriptTestKit.Fixture("broken-syntax.csx"));

        Assert.False(result.Success);
        var printed = result.Errors.Select(e => e.ToString()).ToList();
        Assert.Contains(printed, p => p.StartsWith("rules/broken-syntax.csx:2:31: error: CS1002: ; expected", StringComparison.Ordinal));
        Assert.Contains(printed, p => p.StartsWith("rules/broken-syntax.csx:4:15: error: CS1061:", StringComparison.Ordinal) && p.Contains("OpusModle"));
    }

    [Fact]
    public void Compile_ErrorAfterLineDirective_StillPointsAtTheScript()
    {
        var rule = ScriptTestKit.Rule("liar");
        var result = new ScriptRuleCompiler().Compile(rule, "#line 100 \"elsewhere.cs\"\nvar x = System.IO.File.Exists(\"/\");");

        var error = Assert.Single(result.Errors);
        Assert.Equal((rule.Path, 2, 9), (error.Location.File, error.Location.Line, error.Location.Column));
    }

    [Fact]
    public void Compile_ForbiddenApiWithoutReference_ExplainsWhy()
    {
        var result = new ScriptRuleCompiler().Compile(ScriptTestKit.Rule(), "var c = new System.Net.Http.HttpClient();");

        var error = Assert.Single(result.Errors);
        Assert.Contains("network access", error.Message);
        Assert.Contains("not available to rules", error.Message);
    }

    [Fact]
    public void Compile_Warning_DoesNotFail()
    {
        var result = new ScriptRuleCompiler().Compile(ScriptTestKit.Rule(), "var unused = 1;\nreturn;\nTag(\"x\", \"y\");");

        Assert.True(result.Success);
        Assert.Contains(result.Diagnostics, d => !d.IsError && d.Message.StartsWith("CS0162", StringComparison.Ordinal));
    }
}
