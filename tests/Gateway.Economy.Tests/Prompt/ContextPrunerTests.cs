using Gateway.Core.Protocol.Anthropic;
using Gateway.Economy.Prompt;
using Gateway.Policy.Tokens;
using static Gateway.Economy.Tests.Prompt.EconomyTestKit;

namespace Gateway.Economy.Tests.Prompt;

public sealed class ContextPrunerTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly ContextPruner Pruner = new(TiktokenEstimator.Instance);


    /// <summary>
    /// A conversation by shape: <c>T</c> a tool round trip (assistant text + tool_use, user tool_result), <c>P</c> two
    /// parallel calls, <c>A</c> an assistant answer followed by a new user instruction.
    /// </summary>
    private static MessagesRequest Build(string shape, int words = 150)
    {
        var r = new MessagesRequest
        {
            Model = Model, MaxTokens = 1024,
            Tools = [Tool("read_file")],
            System = [Text("You are a coding agent.")],
            Messages = [User(Text("The task: fix the failing test in src/a.js."))],
        };
        var n = 0;
        foreach (var c in shape)
        {
            n++;
            switch (c)
            {
                case 'T':
                    r.Messages.Add(Assistant(Text($"Step {n}."), Call($"t{n}")));
                    r.Messages.Add(User(Result($"t{n}", Filler(words, $"r{n}_"))));
                    break;
                case 'P':
                    r.Messages.Add(Assistant(Call($"p{n}a"), Call($"p{n}b", arg: "b.txt")));
                    r.Messages.Add(User(Result($"p{n}a", Filler(words, $"pa{n}_")), Result($"p{n}b", Filler(words, $"pb{n}_"))));
                    break;
                case 'A':
                    r.Messages.Add(Assistant(Text($"Done with part {n}. " + Filler(words / 2, $"a{n}_"))));
                    r.Messages.Add(User(Text($"Now also handle case {n}.")));
                    break;
            }
        }
        return r;
    }

    /// <summary>The Anthropic conversation rules the strict simulator enforces, as assertions.</summary>
    private static void AssertValid(MessagesRequest r)
    {
        Assert.NotEmpty(r.Messages);
        Assert.Equal("user", r.Messages[0].Role);
        for (var i = 0; i < r.Messages.Count; i++)
        {
            var m = r.Messages[i];
            Assert.NotEmpty(m.Content);
            Assert.All(m.Content.Where(b => b.Type == "text"), b => Assert.False(string.IsNullOrWhiteSpace(b.Text)));
            var results = m.Content.Where(b => b.Type == "tool_result").Select(b => b.ToolUseId).ToList();
            if (results.Count > 0)
            {
                Assert.Equal("user", m.Role);
                Assert.True(i > 0 && r.Messages[i - 1].Role == "assistant", $"messages.{i}: tool_result without a preceding assistant turn");
                var uses = r.Messages[i - 1].Content.Where(b => b.Type == "tool_use").Select(b => b.Id).ToList();
                Assert.All(results, id => Assert.Contains(id, uses));
                Assert.True(m.Content.TakeWhile(b => b.Type == "tool_result").Count() == results.Count, $"messages.{i}: tool_results must come first");
            }
            var calls = m.Content.Where(b => b.Type == "tool_use").Select(b => b.Id).ToList();
            if (calls.Count > 0 && i < r.Messages.Count - 1)
            {
                var answered = r.Messages[i + 1].Content.Where(b => b.Type == "tool_result").Select(b => b.ToolUseId).ToList();
                Assert.All(calls, id => Assert.Contains(id, answered));
            }
        }
    }

    [Fact]
    public void Under_the_budget_nothing_changes()
    {
        var r = Build("TTT");
        var before = Serialize(r);
        var result = Pruner.Prune(r, 100_000);
        Assert.False(result.Pruned);
        Assert.Null(result.HeaderValue);
        Assert.Equal(before, Serialize(r));
    }

    public static TheoryData<string, double> Shapes() => new()
    {
        { "TTTTTTTTTT", 0.5 },
        { "TTTTTTTTTT", 0.2 },
        { "TPTPTPTP", 0.5 },
        { "TTATTATTA", 0.4 },
        { "PPPPPP", 0.3 },
        { "ATATATAT", 0.6 },
        { "TTTTTTTTTT", 0.01 }, // impossible budget: drops all it may, keeps the latest turn
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task Pruning_keeps_pairs_the_task_the_latest_turn_and_a_valid_conversation(string shape, double budgetShare)
    {
        var r = Build(shape);
        var first = r.Messages[0].Content[0].Text;
        var lastUser = r.Messages.Last(m => m.Role == "user");
        var lastUserJson = Serialize(new MessagesRequest { Messages = [lastUser] });
        var lastAssistant = r.Messages.Last(m => m.Role == "assistant");
        var system = r.System![0].Text;
        var count = r.Messages.Count;
        var total = RequestEstimate(r);
        var budget = (int)(total * budgetShare);

        var result = Pruner.Prune(r, budget);

        Assert.True(result.Pruned);
        Assert.Equal(count - result.MessagesDropped, r.Messages.Count);
        Assert.Equal(total, result.TokensBefore);
        Assert.True(result.TokensDropped > 0);
        Assert.Equal($"messages={result.MessagesDropped}; tokens={result.TokensDropped}", result.HeaderValue);
        AssertValid(r);
        Assert.Equal(first, r.Messages[0].Content[0].Text);                       // the task
        Assert.Equal(ContextPruner.Note(result.MessagesDropped), r.Messages[0].Content[^1].Text); // the note
        Assert.Equal(system, r.System[0].Text);                                  // the system prompt
        Assert.Same(lastUser, r.Messages.Last(m => m.Role == "user"));          // the latest user message, untouched
        Assert.Equal(lastUserJson, Serialize(new MessagesRequest { Messages = [lastUser] }));
        Assert.Same(lastAssistant, r.Messages[^2]);                              // and the turn it answers
        if (budgetShare >= 0.2) Assert.True(result.FitsBudget, $"{result.TokensAfter} > {budget}");
        else Assert.False(result.FitsBudget);

        await using var sim = await SimulatorClient.StartAsync();
        var usage = await sim.SendAsync(r, "k");
        Assert.True(usage.Status == 200, usage.Body);
    }

    [Fact]
    public void A_final_assistant_prefill_keeps_the_latest_user_message_before_it()
    {
        var r = Build("TTTTTT");
        r.Messages.Add(Assistant(Text("Prefill")));
        var lastUser = r.Messages[^2];
        var result = Pruner.Prune(r, RequestEstimate(r) / 3);
        Assert.True(result.Pruned);
        Assert.Same(lastUser, r.Messages[^2]);
        AssertValid(r);
    }

    [Fact]
    public void Only_the_task_and_no_turns_is_left_alone()
    {
        var r = Build("");
        r.Messages[0].Content.Add(Text(Filler(3000)));
        var result = Pruner.Prune(r, 100);
        Assert.False(result.Pruned);
        Assert.False(result.FitsBudget);
        Assert.Single(r.Messages);
    }

    /// <summary>
    /// History stability: a growing session pruned request by request with the same budget cuts at the same turn for
    /// several requests in a row (the cut moves in steps of a quarter of the budget), so those requests share their
    /// bytes up to the latest turns and the prompt cache keeps reading them.
    /// </summary>
    [Fact]
    public void Consecutive_requests_of_a_growing_session_mostly_cut_at_the_same_turn()
    {
        const int budget = 6000;
        string? previousHead = null;
        int stable = 0, pruned = 0;
        for (var turns = 10; turns <= 60; turns++)
        {
            var r = Build(new string('T', turns), words: 100);
            var result = Pruner.Prune(r, budget);
            if (!result.Pruned) continue;
            pruned++;
            Assert.True(result.FitsBudget);
            AssertValid(r);
            // Everything but the newest turn, as sent.
            var head = Serialize(new MessagesRequest { Messages = r.Messages.Take(r.Messages.Count - 2).ToList() });
            if (previousHead is not null && head.StartsWith(previousHead[..^2], StringComparison.Ordinal)) stable++;
            previousHead = head;
        }
        output.WriteLine($"{stable} of {pruned} pruned requests kept the previous request's pruned prefix");
        Assert.True(pruned >= 20, $"{pruned} pruned requests");
        Assert.True(stable >= pruned * 2 / 3, $"only {stable} of {pruned} pruned requests kept the previous request's prefix");
    }

    [Fact]
    public async Task A_real_session_pruned_to_half_is_accepted_by_the_simulator()
    {
        var last = LoadSession("sessions/continue-explain-streaming.jsonl")[^1];
        var lastUser = last.Messages.Last(m => m.Role == "user");
        var result = Pruner.Prune(last, RequestEstimate(last) / 2);
        Assert.True(result.Pruned);
        Assert.True(result.FitsBudget);
        Assert.Same(lastUser, last.Messages.Last(m => m.Role == "user"));
        AssertValid(last);
        await using var sim = await SimulatorClient.StartAsync();
        var usage = await sim.SendAsync(last, "k");
        Assert.True(usage.Status == 200, usage.Body);
    }

    /// <summary>The pruner's own estimate (a budget of 0.5 × this needs half dropped).</summary>
    private static int RequestEstimate(MessagesRequest r) => new ContextPruner(TiktokenEstimator.Instance).Prune(Clone(r), int.MaxValue).TokensBefore;

    private static MessagesRequest Clone(MessagesRequest r) =>
        System.Text.Json.JsonSerializer.Deserialize(Serialize(r), AnthropicRequestJsonContext.Default.MessagesRequest)!;
}
