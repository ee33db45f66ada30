using Gateway.Policy.Tokens;
using Gateway.Core.Protocol.Anthropic;
using Gateway.Economy.Prompt;
using static Gateway.Economy.Tests.Prompt.EconomyTestKit;

namespace Gateway.Economy.Tests.Prompt;

public sealed class PromptCachePlannerTests
{
    private static readonly CacheSettings FiveMinutes = new();
    private static readonly CacheSettings OneHour = new() { Ttl = "1h" };

    /// <summary>tools (2) + a long system prompt + a task and <paramref name="turns"/> tool round trips.</summary>
    private static MessagesRequest Conversation(int turns, int systemWords = 1500, int resultWords = 200, int toolWords = 700)
    {
        var request = new MessagesRequest
        {
            Model = Model, MaxTokens = 1024,
            Tools = [Tool("read_file", "Reads a file. " + Filler(toolWords, "d")), Tool("list_dir", "Lists a directory.")],
            System = [Text("You are a coding agent. " + Filler(systemWords, "s"))],
            Messages = [User(Text("Fix the bug in a.txt"))],
        };
        for (var t = 0; t < turns; t++)
        {
            request.Messages.Add(Assistant(Text($"Reading part {t}."), Call($"call_{t}", arg: $"f{t}.txt")));
            request.Messages.Add(User(Result($"call_{t}", Filler(resultWords, $"r{t}_"))));
        }
        return request;
    }

    private static IEnumerable<(string Where, MessagesRequestCacheControl Mark)> Marks(MessagesRequest r)
    {
        for (var i = 0; i < (r.Tools?.Count ?? 0); i++)
            if (r.Tools![i].CacheControl is { } cc) yield return ($"tools.{i}", cc);
        for (var i = 0; i < (r.System?.Count ?? 0); i++)
            if (r.System![i].CacheControl is { } cc) yield return ($"system.{i}", cc);
        for (var m = 0; m < r.Messages.Count; m++)
            for (var j = 0; j < r.Messages[m].Content.Count; j++)
            {
                var b = r.Messages[m].Content[j];
                if (b.CacheControl is { } cc) yield return ($"messages.{m}.content.{j}", cc);
                foreach (var inner in b.Content ?? [])
                    if (inner.CacheControl is { } icc) yield return ($"messages.{m}.content.{j}", icc);
            }
    }

    [Fact]
    public async Task Short_prompt_gets_no_breakpoint()
    {
        var request = new MessagesRequest { Model = Model, MaxTokens = 100, System = [Text("Be brief.")], Messages = [User(Text("Hi"))] };
        var plan = await new PromptCachePlanner(new InMemoryPrefixHashStore(), TiktokenEstimator.Instance).ApplyAsync(request, Sonnet, FiveMinutes, "p");
        Assert.Empty(plan.Breakpoints);
        Assert.Empty(Marks(request));
        Assert.Equal(0, plan.ExpectedWriteTokens);
    }

    [Fact]
    public async Task Unknown_model_uses_1024_and_no_breakpoint_is_below_the_minimum()
    {
        // Tools and a short system stay under 1024; the messages cross it.
        var request = Conversation(turns: 6, systemWords: 200, resultWords: 150, toolWords: 10);
        var plan = await new PromptCachePlanner(new InMemoryPrefixHashStore(), TiktokenEstimator.Instance).ApplyAsync(request, null, FiveMinutes, "p");
        Assert.Equal(PromptCachePlanner.DefaultMinCacheableTokens, plan.MinCacheableTokens);
        Assert.NotEmpty(plan.Breakpoints);
        Assert.All(plan.Breakpoints, b => Assert.True(b.PrefixTokens >= 1024, $"{b.Location}: {b.PrefixTokens}"));
        Assert.DoesNotContain(plan.Breakpoints, b => b.Role is BreakpointRole.Tools or BreakpointRole.System);
    }

    [Fact]
    public async Task Places_tools_system_previous_turn_and_end()
    {
        var request = Conversation(turns: 3);
        var plan = await new PromptCachePlanner(new InMemoryPrefixHashStore(), TiktokenEstimator.Instance).ApplyAsync(request, Sonnet, FiveMinutes, "p");
        Assert.Equal(["tools.1", "system.0", "messages.4.content.0", "messages.6.content.0"], plan.Breakpoints.Select(b => b.Location));
        Assert.Equal([BreakpointRole.Tools, BreakpointRole.System, BreakpointRole.Previous, BreakpointRole.End], plan.Breakpoints.Select(b => b.Role));
        Assert.Equal(plan.Breakpoints.Select(b => b.Location), Marks(request).Select(m => m.Where));
        Assert.All(Marks(request), m => Assert.Null(m.Mark.Ttl)); // 5m: the default, omitted
        Assert.False(plan.PreviousPrefixSeen);
        Assert.Equal(0, plan.ExpectedReadTokens);
        Assert.Equal(plan.Breakpoints[^1].PrefixTokens, plan.ExpectedWriteTokens);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(6)]
    public async Task Never_more_than_four_breakpoints_client_marks_included(int clientMarks)
    {
        var request = Conversation(turns: 8);
        // The client's marks on its own choice of blocks: the first message blocks.
        var blocks = request.Messages.SelectMany(m => m.Content).Where(b => b.Type is "text" or "tool_result").Take(clientMarks).ToList();
        foreach (var b in blocks) b.CacheControl = MessagesRequestCacheControl.Ephemeral();
        var plan = await new PromptCachePlanner(new InMemoryPrefixHashStore(), TiktokenEstimator.Instance).ApplyAsync(request, Sonnet, FiveMinutes, "p");
        Assert.InRange(Marks(request).Count(), 1, 4);
        Assert.Equal(Marks(request).Count(), plan.Breakpoints.Count);
        Assert.Equal(Math.Min(clientMarks, 4), plan.Breakpoints.Count(b => b.Role == BreakpointRole.Client));
        if (clientMarks > 4) Assert.Contains(plan.Notes, n => n.Contains("over the limit"));
        await using var sim = await SimulatorClient.StartAsync();
        Assert.Equal(200, (await sim.SendAsync(request, "k")).Status);
    }

    [Fact]
    public async Task One_hour_profile_puts_1h_on_every_breakpoint_and_the_simulator_accepts_it()
    {
        var request = Conversation(turns: 3);
        var plan = await new PromptCachePlanner(new InMemoryPrefixHashStore(), TiktokenEstimator.Instance).ApplyAsync(request, Sonnet, OneHour, "p");
        Assert.Equal(4, plan.Breakpoints.Count);
        Assert.All(Marks(request), m => Assert.Equal("1h", m.Mark.Ttl));
        await using var sim = await SimulatorClient.StartAsync();
        Assert.Equal(200, (await sim.SendAsync(request, "k")).Status);
    }

    [Fact]
    public async Task One_hour_breakpoints_stay_before_a_client_5m_mark()
    {
        var request = Conversation(turns: 3);
        request.Messages[0].Content[0].CacheControl = MessagesRequestCacheControl.Ephemeral("5m"); // client, after tools/system
        var plan = await new PromptCachePlanner(new InMemoryPrefixHashStore(), TiktokenEstimator.Instance).ApplyAsync(request, Sonnet, OneHour, "p");
        var ttls = plan.Breakpoints.Select(b => b.Ttl).ToList();
        Assert.Equal(ttls.OrderBy(t => t == "1h" ? 0 : 1), ttls); // 1h ones first
        Assert.Equal("1h", plan.Breakpoints[0].Ttl);
        Assert.Equal("5m", plan.Breakpoints[^1].Ttl);
        await using var sim = await SimulatorClient.StartAsync();
        Assert.Equal(200, (await sim.SendAsync(request, "k")).Status);
    }

    [Fact]
    public async Task Five_minute_breakpoints_before_a_client_1h_mark_become_1h()
    {
        var request = Conversation(turns: 3);
        request.Messages[^1].Content[^1].CacheControl = MessagesRequestCacheControl.Ephemeral("1h");
        var plan = await new PromptCachePlanner(new InMemoryPrefixHashStore(), TiktokenEstimator.Instance).ApplyAsync(request, Sonnet, FiveMinutes, "p");
        Assert.All(plan.Breakpoints, b => Assert.Equal("1h", b.Ttl));
        await using var sim = await SimulatorClient.StartAsync();
        Assert.Equal(200, (await sim.SendAsync(request, "k")).Status);
    }

    [Fact]
    public async Task Thinking_blocks_never_carry_cache_control()
    {
        var request = Conversation(turns: 2);
        // A prefill-style final assistant message ending in thinking: the End breakpoint moves to the block before it.
        request.Messages.Add(Assistant(Text("Plan: " + Filler(20)), new MessagesRequestContentBlock { Type = "thinking", Thinking = "hmm", Signature = "sig" }));
        var plan = await new PromptCachePlanner(new InMemoryPrefixHashStore(), TiktokenEstimator.Instance).ApplyAsync(request, Sonnet, FiveMinutes, "p");
        Assert.Contains(plan.Breakpoints, b => b.Role == BreakpointRole.End && b.Location == "messages.5.content.0");
        Assert.All(request.Messages.SelectMany(m => m.Content).Where(b => b.Type == "thinking"), b => Assert.Null(b.CacheControl));
    }

    [Fact]
    public async Task Disabled_profile_places_nothing()
    {
        var request = Conversation(turns: 3);
        var plan = await new PromptCachePlanner(new InMemoryPrefixHashStore(), TiktokenEstimator.Instance).ApplyAsync(request, Sonnet, new CacheSettings { PrefixCache = false }, "p");
        Assert.False(plan.Enabled);
        Assert.Empty(Marks(request));
    }

    [Fact]
    public async Task The_prefix_hash_ignores_cache_control_so_a_retry_reads_everything()
    {
        var store = new InMemoryPrefixHashStore();
        var planner = new PromptCachePlanner(store, TiktokenEstimator.Instance);
        var first = Conversation(turns: 3);
        await planner.ApplyAsync(first, Sonnet, FiveMinutes, "p");
        var retry = Conversation(turns: 3); // same content, fresh objects, no marks
        var plan = await planner.ApplyAsync(retry, Sonnet, FiveMinutes, "p");
        Assert.True(plan.PreviousPrefixSeen);
        Assert.Equal(plan.TotalTokens, plan.ExpectedReadTokens);
        Assert.Equal(0, plan.ExpectedWriteTokens);
        // Another scope has seen nothing.
        Assert.False((await planner.ApplyAsync(Conversation(turns: 3), Sonnet, FiveMinutes, "other")).PreviousPrefixSeen);
    }

    [Fact]
    public async Task A_failing_store_is_not_seen_and_the_plan_still_places_breakpoints()
    {
        var plan = await new PromptCachePlanner(new ThrowingStore(), TiktokenEstimator.Instance).ApplyAsync(Conversation(turns: 3), Sonnet, FiveMinutes, "p");
        Assert.Equal(4, plan.Breakpoints.Count);
        Assert.False(plan.PreviousPrefixSeen);
    }

    /// <summary>
    /// Parallel tool calls: each request adds 1 text + 12 tool_use + 12 tool_result = 25 blocks, more than the 20-block
    /// lookback. A single breakpoint at the end would never read; the Previous breakpoint reads the whole earlier prompt.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Parallel_tool_calls_beyond_the_lookback_still_read_the_previous_prompt(bool rememberPrefixes)
    {
        await using var sim = await SimulatorClient.StartAsync();
        var store = new InMemoryPrefixHashStore();
        var request = Conversation(turns: 0);
        for (var k = 0; k < 4; k++)
        {
            var sent = Clone(request);
            var planner = new PromptCachePlanner(rememberPrefixes ? store : new InMemoryPrefixHashStore(), TiktokenEstimator.Instance);
            var plan = await planner.ApplyAsync(sent, Sonnet, FiveMinutes, "p");
            var usage = await sim.SendAsync(sent, "parallel-" + rememberPrefixes);
            Assert.Equal(200, usage.Status);
            if (k > 0)
            {
                Assert.True(usage.ReadShare > 0.6, $"request {k}: read {usage.CacheRead} of {usage.Total}");
                Assert.Equal(rememberPrefixes, plan.PreviousPrefixSeen);
            }
            // The next turn: 12 parallel calls and their results.
            var calls = Enumerable.Range(0, 12).Select(i => Call($"c{k}_{i}", arg: $"f{i}.txt")).ToArray();
            request.Messages.Add(Assistant([Text($"Reading twelve files ({k})."), .. calls]));
            request.Messages.Add(User(calls.Select(c => Result(c.Id!, Filler(60, c.Id!))).ToArray()));
        }
    }

    /// <summary>A deep copy through the wire format (the planner marks the copy, the test keeps growing the original).</summary>
    private static MessagesRequest Clone(MessagesRequest r) =>
        System.Text.Json.JsonSerializer.Deserialize(Serialize(r), AnthropicRequestJsonContext.Default.MessagesRequest)!;

    private sealed class ThrowingStore : IPrefixHashStore
    {
        public ValueTask<bool> SeenAsync(string scope, string prefixHash) => throw new TimeoutException("redis down");
        public ValueTask RememberAsync(string scope, string prefixHash, TimeSpan ttl) => throw new TimeoutException("redis down");
    }
}
