using Gateway.Policy.Abstractions;
using Gateway.Policy.Configuration;
using Gateway.Policy.Scripting;

namespace Gateway.Policy.Tests.Scripting;

/// <summary>A request, a profile and a context for running script rules in tests, without the YAML loader or the pipeline.</summary>
internal static class ScriptTestKit
{
    public const string Sonnet = "claude-sonnet-4-5";
    public const string Opus = "claude-opus-4-1";

    /// <summary>One compiler for the whole test assembly, as in the gateway (its workers are shared).</summary>
    public static readonly ScriptRuleCompiler SharedCompiler = new();

    /// <summary>A rule reference. The default budget is generous: a first run (JIT) on a loaded CI box must not time out by accident;
    /// tests about budgets set their own.</summary>
    public static RuleRef Rule(string id = "test", int budgetMs = 2000, PolicyStage stage = PolicyStage.Request, int memoryMb = 64) =>
        new() { Id = id, Path = $"rules/{id}.csx", BudgetMs = budgetMs, Stage = stage, MemoryMb = memoryMb };

    public static string Fixture(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fixtures", "policies", "scripts", name));

    public static CompiledScriptRule CompileOk(string code, RuleRef? rule = null, ScriptRuleCompiler? compiler = null)
    {
        var result = (compiler ?? SharedCompiler).Compile(rule ?? Rule(), code);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        return result.Rule!;
    }

    public static PolicyContext Context(string latestUser = "Please refactor the parser", bool opusAllowed = true, string model = Sonnet)
    {
        var messages = new List<MessageView>
        {
            new(0, MessageRole.System, [new BlockView(BlockKind.Text, "You are a coding assistant. <ide-boilerplate>lots of rules</ide-boilerplate>")]),
            new(1, MessageRole.User, [new BlockView(BlockKind.Text, latestUser)]),
        };
        var request = new RequestView(model, model, messages, [], new RequestParameters(1024, null, null, false, null, false), "session-1",
            new Dictionary<string, string> { ["user-agent"] = "test" });
        var profile = new ProfileView("default", Sonnet, Opus, opusAllowed, [], new Dictionary<string, string> { ["threshold"] = "3" });
        return new PolicyContext(request, profile, new CharTokens(), new ListLog(), DateTimeOffset.Parse("2025-01-01T00:00:00Z"));
    }

    /// <summary>Runs the step the way the pipeline does: begin, apply, end (or roll back and rethrow).</summary>
    public static async Task RunAsync(CompiledScriptRule rule, PolicyContext context, ResponseView? response = null)
    {
        var scope = context.BeginRule(rule.Id);
        try
        {
            await rule.ApplyAsync(context, scope, response, CancellationToken.None);
            context.EndRule(scope);
        }
        catch
        {
            context.Rollback(scope);
            throw;
        }
    }

    private sealed class CharTokens : ITokenEstimator
    {
        public int Count(string text) => (text.Length + 3) / 4;
    }

    public sealed class ListLog : IPolicyLog
    {
        public List<string> Lines { get; } = [];
        public void Info(string message) => Lines.Add("info: " + message);
        public void Warn(string message) => Lines.Add("warn: " + message);
    }
}
