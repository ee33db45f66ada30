using Gateway.Policy.BuiltIn;
using Gateway.Policy.Configuration;
using Gateway.Policy.Pipeline;
using Gateway.Policy.Sessions;
using Gateway.Policy.Tests.Pipeline;
using static Gateway.Policy.Tests.Pipeline.PolicyTestKit;

namespace Gateway.Policy.Tests.BuiltIn;

public class OpusRoutingStepTests
{
    private static ProfileConfig Profile(RoutingConfig? routing = null, string name = "default") => new()
    {
        Name = name,
        Routing = routing ?? new RoutingConfig
        {
            LongContextTokens = 5_000, ManyFilesThreshold = 4,
            HardTaskPatterns = [@"\barchitect(ure)?\b", @"\b(debug|root cause)\b"],
        },
        Pipeline = [BuiltInSteps.RouteModel],
    };

    private static string Files(int n) => string.Join("\n", Enumerable.Range(1, n).Select(i => $"see src/module{i}/file{i}.cs"));

    public static TheoryData<string, string, string?> Cases => new()
    {
        // name, latest user text, expected model source (null: not routed)
        { "marker", "please [OPUS] think hard", "routed:opus-heuristics:marker" },
        { "hard task", "What architecture should we use?", "routed:opus-heuristics:hard-task" },
        { "debug", "help me debug this crash", "routed:opus-heuristics:hard-task" },
        { "many files", Files(5), "routed:opus-heuristics:many-files" },
        { "few files", Files(3), null },
        { "long context", string.Concat(Enumerable.Repeat("lorem ipsum dolor sit amet ", 2000)), "routed:opus-heuristics:long-context" },
        { "plain", "rename this variable", null },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Routes_by_marker_and_heuristics(string name, string latest, string? expectedSource)
    {
        _ = name;
        var (request, _, ctx) = await RunAsync(Compile(Profile(), FreshOptions()), new Chat().System("s").User(latest).Json);
        Assert.Equal(expectedSource ?? "alias", ctx.Request.ModelSource);
        Assert.Equal(expectedSource is null ? Sonnet : Opus, request.Request.Model);
    }

    [Fact]
    public async Task Profile_without_opus_is_never_upgraded()
    {
        var noOpus = Profile(new RoutingConfig { OpusAllowed = false, HardTaskPatterns = ["architecture"] });
        var (request, _, _) = await RunAsync(Compile(noOpus, FreshOptions()), new Chat().User("[opus] architecture").Json);
        Assert.Equal(Sonnet, request.Request.Model);

        // Even when the config allows it, the profile view (and PolicyContext.RouteTo) refuses.
        var (request2, _, ctx2) = await RunAsync(Compile(Profile(), FreshOptions()), new Chat().User("[opus] architecture").Json, profileView: ProfileView(opusAllowed: false));
        Assert.Equal(Sonnet, request2.Request.Model);
        Assert.Equal("alias", ctx2.Request.ModelSource);
    }

    [Fact]
    public async Task An_explicitly_requested_model_is_left_alone()
    {
        var (request, _, _) = await RunAsync(Compile(Profile(), FreshOptions()), new Chat().User("architecture review").Json, model: "claude-haiku-4-5");
        Assert.Equal("claude-haiku-4-5", request.Request.Model);
    }

    [Fact]
    public async Task Routing_is_sticky_per_session()
    {
        var options = FreshOptions();
        var profile = Compile(Profile(), options);
        var turn1 = new Chat().System("s").User("Design the architecture of the cache layer");
        var (r1, _, _) = await RunAsync(profile, turn1.Json, sessionId: "sess-1");
        Assert.Equal(Opus, r1.Request.Model);

        // Next turn: an easy ask, but the session stays on Opus.
        var turn2 = turn1.Clone().Assistant("plan").User("ok, rename x to y");
        var (r2, _, c2) = await RunAsync(profile, turn2.Json, sessionId: "sess-1");
        Assert.Equal(Opus, r2.Request.Model);
        Assert.Equal("routed:sticky", c2.Request.ModelSource);

        // Another session with the same easy ask is not upgraded.
        var (r3, _, _) = await RunAsync(profile, new Chat().User("ok, rename x to y").Json, sessionId: "sess-2");
        Assert.Equal(Sonnet, r3.Request.Model);

        // A session that started on Sonnet stays there even when a heuristic would now say Opus (the cache is worth more).
        var (r4, _, _) = await RunAsync(profile, new Chat().User("hello").Json, sessionId: "sess-3");
        Assert.Equal(Sonnet, r4.Request.Model);
        var (r5, _, _) = await RunAsync(profile, new Chat().User("hello").Assistant("hi").User("now the architecture").Json, sessionId: "sess-3");
        Assert.Equal(Sonnet, r5.Request.Model);

        // ... unless the user asks explicitly.
        var (r6, _, c6) = await RunAsync(profile, new Chat().User("hello").Assistant("hi").User("[opus] now the architecture").Json, sessionId: "sess-3");
        Assert.Equal(Opus, r6.Request.Model);
        Assert.Equal("routed:opus-heuristics:marker", c6.Request.ModelSource);
        var remembered = await options.SessionStore.GetAsync("default\nsess-3");
        Assert.NotNull(remembered);
        Assert.Equal(Opus, remembered.Model);
    }

    [Fact]
    public async Task A_new_model_name_from_the_client_ends_stickiness()
    {
        var options = FreshOptions();
        options.SessionStore.Set("default\ns", new SessionModel(Opus, "gpt-4o", "routed:opus-heuristics:marker"));
        var profile = Compile(Profile(), options);
        var (same, _, _) = await RunAsync(profile, new Chat().Model("gpt-4o").User("easy").Json, sessionId: "s");
        Assert.Equal(Opus, same.Request.Model);
        var (switched, _, _) = await RunAsync(profile, new Chat().Model("gpt-4o-mini").User("easy").Json, sessionId: "s");
        Assert.Equal(Sonnet, switched.Request.Model);
    }

    [Fact]
    public async Task Without_stickiness_every_request_is_judged_afresh()
    {
        var profile = Compile(Profile(new RoutingConfig { Sticky = false, HardTaskPatterns = ["architecture"] }), FreshOptions());
        Assert.Equal(Opus, (await RunAsync(profile, new Chat().User("architecture").Json, sessionId: "s")).Request.Request.Model);
        Assert.Equal(Sonnet, (await RunAsync(profile, new Chat().User("easy").Json, sessionId: "s")).Request.Request.Model);
    }
}
