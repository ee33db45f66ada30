using Gateway.Policy.Abstractions;
using Gateway.Policy.BuiltIn;
using Gateway.Policy.Configuration;
using Gateway.Policy.Pipeline;

namespace Gateway.Policy.Tests.Pipeline;

public class BuiltInStepFactoryTests
{
    private sealed class Script(string id, PolicyStage stage = PolicyStage.Request) : IPolicyStep
    {
        public string Id => "rule:" + id;
        public PolicyStage Stage => stage;
        public TimeSpan Budget => TimeSpan.FromMilliseconds(50);
        public bool Trusted => false;
        public ValueTask ApplyAsync(PolicyContext context, RuleScope scope, ResponseView? response, CancellationToken ct) => ValueTask.CompletedTask;
    }

    private static readonly ProfileConfig Full = new()
    {
        Name = "default",
        Boilerplate = new BoilerplateConfig { Patterns = [new BoilerplatePattern { Id = "p", Exact = "x" }] },
        Caps = new CapsConfig { ToolResult = new ContentCap(1000) },
        DiffFirst = new DiffFirstConfig { Enabled = true, Instruction = "diffs" },
        Rules = [new RuleRef { Id = "a", Path = "rules/a.csx" }, new RuleRef { Id = "b", Path = "rules/b.csx", Stage = PolicyStage.Response }],
    };

    private static IPolicyStep? Lookup(string id) => id == "off" ? null : new Script(id, id == "b" ? PolicyStage.Response : PolicyStage.Request);

    [Fact]
    public void Empty_pipeline_is_the_default_order_then_rules()
    {
        var steps = BuiltInStepFactory.Create(Full, Lookup);
        Assert.Equal(["strip_boilerplate", "dedup_tool_results", "cap_content", "route_model", "diff_first", "rule:a", "rule:b"], steps.Select(s => s.Id));
        Assert.All(steps.Take(5), s => Assert.True(s.Trusted));
    }

    [Fact]
    public void Explicit_pipeline_interleaves_scripts_and_compile_splits_stages()
    {
        var config = Full with { Pipeline = ["rule:a", "cap_content", "rule:off", "route_model", "rule:b", "dedup_tool_results"] };
        var compiled = BuiltInStepFactory.Compile(config, Lookup);
        Assert.Equal(["rule:a", "cap_content", "route_model", "dedup_tool_results"], compiled.RequestSteps.Select(s => s.Id));
        Assert.Equal(["rule:b"], compiled.ResponseSteps.Select(s => s.Id));
    }

    [Fact]
    public void Disabled_features_give_no_step_and_unknown_ids_throw()
    {
        var off = Full with
        {
            Boilerplate = Full.Boilerplate with { Enabled = false },
            Caps = new CapsConfig(),
            Routing = new RoutingConfig { Enabled = false },
            DiffFirst = new DiffFirstConfig(),
            Dedup = new DedupConfig { Enabled = false },
            Rules = [],
        };
        Assert.Empty(BuiltInStepFactory.Create(off, Lookup));
        Assert.Throws<ArgumentException>(() => BuiltInStepFactory.Create(Full with { Pipeline = ["strip_boilerplat"] }, Lookup));
        Assert.Throws<ArgumentException>(() => BuiltInStepFactory.Create(Full with { Pipeline = ["cap_content", "cap_content"] }, Lookup));
    }
}
