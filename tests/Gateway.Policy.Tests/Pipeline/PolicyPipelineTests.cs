using Gateway.Policy.Abstractions;
using Gateway.Policy.BuiltIn;
using Gateway.Policy.Configuration;
using Gateway.Policy.Pipeline;
using Microsoft.Extensions.Logging.Abstractions;
using static Gateway.Policy.Tests.Pipeline.PolicyTestKit;

namespace Gateway.Policy.Tests.Pipeline;

public class PolicyPipelineTests
{
    /// <summary>A test step: changes every old user text, routes, notes, tags — then misbehaves as told.</summary>
    private sealed class FakeStep(string id, Action? misbehave = null, TimeSpan? budget = null, bool trusted = false, PolicyStage stage = PolicyStage.Request) : IPolicyStep
    {
        public int Runs;
        public string Id => id;
        public PolicyStage Stage => stage;
        public TimeSpan Budget => budget ?? TimeSpan.FromSeconds(5);
        public bool Trusted => trusted;

        public ValueTask ApplyAsync(PolicyContext context, RuleScope scope, ResponseView? response, CancellationToken ct)
        {
            Apply(context);
            return ValueTask.CompletedTask;
        }

        private void Apply(PolicyContext context)
        {
            Runs++;
            foreach (var m in context.Request.Messages.Where(m => m.Role == MessageRole.User && !m.IsLatestUserMessage))
                context.ReplaceText(m.Blocks[0], "CHANGED BY " + id, "test");
            context.RouteTo(Opus, id);
            context.AddSystemNote(id, "note of " + id);
            context.Tag("by", id);
            misbehave?.Invoke();
        }
    }

    private static readonly string Conversation = new Chat().System("sys").User("old question with some words").Assistant("answer").User("latest").Json;

    private static ProfileConfig Config(FailureMode mode = FailureMode.Open, params string[] pipeline) =>
        new() { Name = "default", OnRuleError = mode, Pipeline = pipeline };

    private static async Task<(string Json, Gateway.Policy.Pipeline.PipelineReport Report)> RunStepsAsync(ProfileConfig config, RuleHealth health, params IPolicyStep[] steps)
    {
        var profile = new Gateway.Policy.Snapshots.CompiledProfile(config, steps.Where(s => s.Stage == PolicyStage.Request).ToList(), []);
        var (request, report, _) = await RunAsync(profile, Conversation, health);
        return (Serialize(request), report);
    }

    public static TheoryData<string, StepStatus> Misbehaviours => new()
    {
        { "throws", StepStatus.Failed },
        { "overruns", StepStatus.TimedOut },
        { "timeout-exception", StepStatus.TimedOut },
    };

    [Theory]
    [MemberData(nameof(Misbehaviours))]
    public async Task A_failing_step_is_rolled_back_exactly_and_counted_and_the_next_step_runs(string how, StepStatus expected)
    {
        Action misbehave = how switch
        {
            "throws" => () => throw new InvalidOperationException("boom"),
            "overruns" => () => Thread.Sleep(120),
            _ => () => throw new TimeoutException("hard limit"),
        };
        var health = new RuleHealth();
        var bad = new FakeStep("rule:bad", misbehave, TimeSpan.FromMilliseconds(40));
        var after = new FakeStep("rule:after");
        var (json, report) = await RunStepsAsync(Config(), health, bad, after);

        // The request is exactly what it would be had the failing step never run.
        var (expectedJson, _) = await RunStepsAsync(Config(), new RuleHealth(), new FakeStep("rule:after"));
        Assert.Equal(expectedJson, json);
        Assert.DoesNotContain("rule:bad", json);

        Assert.False(report.Failed);
        var line = report.Steps[0];
        Assert.Equal(expected, line.Status);
        Assert.Equal(0, line.Changes);
        Assert.NotNull(line.Error);
        Assert.Equal(StepStatus.Applied, report.Steps[1].Status);
        Assert.Equal(1, after.Runs);
        var (id, failures, disabled, lastError) = Assert.Single(health.Report());
        Assert.Equal(("rule:bad", 1, false), (id, failures, disabled));
        Assert.Equal(line.Error, lastError);
    }

    [Fact]
    public async Task A_slow_built_in_step_keeps_its_result_so_history_stays_stable()
    {
        // Built-in steps are deterministic: whether an old turn is capped must not depend on how busy the machine is.
        var health = new RuleHealth();
        var slow = new FakeStep("cap_content", () => Thread.Sleep(120), TimeSpan.FromMilliseconds(40), trusted: true);
        var (json, report) = await RunStepsAsync(Config(), health, slow);
        Assert.Contains("cap_content", json);
        Assert.Equal(StepStatus.Applied, report.Steps[0].Status);
        Assert.Empty(health.Report());
    }

    [Fact]
    public async Task A_step_that_keeps_failing_is_disabled_and_then_skipped()
    {
        var health = new RuleHealth(disableAfter: 3);
        var bad = new FakeStep("rule:bad", () => throw new InvalidOperationException("boom"));
        var reports = new List<Gateway.Policy.Pipeline.PipelineReport>();
        for (var i = 0; i < 4; i++) reports.Add((await RunStepsAsync(Config(), health, bad)).Report);
        Assert.Equal([false, false, true, false], reports.Select(r => r.AnyNewlyDisabled));
        Assert.Equal(StepStatus.SkippedDisabled, reports[3].Steps.Single().Status);
        Assert.Equal(3, bad.Runs);
        Assert.True(health.IsDisabled("rule:bad"));
    }

    [Fact]
    public async Task A_success_resets_the_consecutive_failure_count()
    {
        var health = new RuleHealth(disableAfter: 2);
        var fail = true;
        var flaky = new FakeStep("rule:flaky", () => { if (fail) throw new InvalidOperationException("x"); });
        await RunStepsAsync(Config(), health, flaky);
        fail = false;
        await RunStepsAsync(Config(), health, flaky);
        fail = true;
        await RunStepsAsync(Config(), health, flaky);
        Assert.False(health.IsDisabled("rule:flaky"));
    }

    [Fact]
    public async Task Fail_closed_stops_at_the_failing_step()
    {
        var health = new RuleHealth();
        var first = new FakeStep("rule:first");
        var bad = new FakeStep("rule:bad", () => throw new InvalidOperationException("boom"));
        var never = new FakeStep("rule:never");
        var profile = new Gateway.Policy.Snapshots.CompiledProfile(Config(FailureMode.Closed), [first, bad, never], []);
        var (_, report, ctx) = await RunAsync(profile, Conversation, health);
        Assert.True(report.Failed);
        Assert.Equal("rule:bad", report.FailedStepId);
        Assert.Contains("boom", report.FailureReason);
        Assert.Equal(0, never.Runs);
        Assert.Equal(2, report.Steps.Count);
        Assert.Equal("routed:rule:first", ctx.Request.ModelSource); // the failing step's route was undone
    }

    [Fact]
    public async Task A_regex_timeout_counts_as_a_failure()
    {
        var config = new ProfileConfig
        {
            Name = "default",
            Boilerplate = new BoilerplateConfig { Patterns = [new BoilerplatePattern { Id = "evil", Regex = "^(a+)+$", AppliesTo = ["user"] }] },
            Pipeline = [BuiltInSteps.StripBoilerplate],
        };
        var options = FreshOptions() with { RegexTimeout = TimeSpan.FromMilliseconds(5) };
        var health = new RuleHealth();
        var chat = new Chat().User(new string('a', 40) + "!").User("latest");
        var (request, report, _) = await RunAsync(Compile(config, options), chat.Json, health);
        var line = report.Steps.Single();
        Assert.Equal(StepStatus.Failed, line.Status);
        Assert.Contains("regex", line.Error);
        Assert.Equal(1, health.Report().Single().Failures);
        Assert.Equal(new string('a', 40) + "!", Texts(request)[0]);
    }

    [Fact]
    public async Task Report_sums_tokens_per_step_and_marks_no_change()
    {
        var config = new ProfileConfig
        {
            Name = "default",
            Caps = new CapsConfig { User = new ContentCap(50) },
            Routing = new RoutingConfig { HardTaskPatterns = [] },
            Dedup = new DedupConfig { Enabled = false },
        };
        var big = string.Join("\n", Enumerable.Range(0, 200).Select(i => $"row {i} with several words in it"));
        var (_, report, _) = await RunAsync(Compile(config, FreshOptions()), new Chat().User(big).User("latest").Json);
        Assert.Equal([BuiltInSteps.CapContent, BuiltInSteps.RouteModel], report.Steps.Select(s => s.Id));
        var cap = report.Steps[0];
        Assert.Equal(StepStatus.Applied, cap.Status);
        Assert.Equal("applied", cap.StatusText);
        Assert.True(cap.TokensBefore > 1000 && cap.TokensAfter < 100, $"{cap.TokensBefore} -> {cap.TokensAfter}");
        Assert.Equal(StepStatus.NoChange, report.Steps[1].Status);
        Assert.Equal(cap.TokensSaved, report.TokensSaved);
    }

    [Fact]
    public async Task Response_stage_runs_only_response_steps()
    {
        var req = new FakeStep("rule:req");
        var resp = new FakeStep("rule:resp", stage: PolicyStage.Response);
        var profile = new Gateway.Policy.Snapshots.CompiledProfile(Config(), [req], [resp]);
        var view = View(Conversation);
        var ctx = Context(view);
        var report = await PolicyPipeline.RunResponseAsync(profile, ctx, new RuleHealth(), NullLogger.Instance,
            new ResponseView(Sonnet, "stop", "hi", [], 10, 2, 0));
        Assert.Equal("rule:resp", report.Steps.Single().Id);
        Assert.Equal(0, req.Runs);
    }
}
