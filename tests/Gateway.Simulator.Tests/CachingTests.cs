using System.Text.Json;
using System.Text.Json.Nodes;
using static Gateway.Simulator.Tests.Prompt;
using static Gateway.Simulator.Tests.Sim;

namespace Gateway.Simulator.Tests;

/// <summary>
/// Prompt-caching simulation against the rules of Anthropic's prompt caching docs: writes at breakpoints,
/// reads by a 20-block lookback, per-model minimum, TTLs, the 1h/5m split, invalidation, isolation per key.
/// Every test uses its own salt, so tests sharing the simulator never share cache entries.
/// </summary>
public sealed class CachingTests(CachingFixture sim) : IClassFixture<CachingFixture>
{
    private const string Sonnet = "claude-sonnet-4-5"; // minimum 1,024 tokens

    private async Task<Usage> SendAsync(JsonObject request, HttpClient? http = null)
    {
        var message = await OkAsync(http ?? sim.Http, request.ToJsonString());
        var usage = Usage.From(message.GetProperty("usage"));
        Assert.Equal(usage.Creation, usage.Write5m + usage.Write1h);
        Assert.Equal(await CountAsync(request), usage.Total);
        return usage;
    }

    private async Task<int> CountAsync(JsonObject request)
    {
        var copy = Copy(request);
        copy.Remove("max_tokens");
        copy.Remove("stream");
        var (status, text, _) = await PostAsync(sim.Http, copy.ToJsonString(), "/v1/messages/count_tokens");
        Assert.True(status == 200, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("input_tokens").GetInt32();
    }

    /// <summary>Tokens of a prefix: the user-message role ("user" = 4 chars) counts with its first block.</summary>
    private static int Tokens(long chars) => (int)((chars + 3) / 4);

    [Fact]
    public async Task FirstRequest_WritesPrefix_SameRequestReads()
    {
        var request = Request(Sonnet, Array(Message("user", TextBlock("What does it say?"))),
            system: Array(TextBlock(Text(2000, "first"), Cc())));

        var first = await SendAsync(request);
        Assert.Equal(new Usage(first.Total - 2000, 0, 2000, 2000, 0), first);

        var second = await SendAsync(request);
        Assert.Equal(new Usage(first.Total - 2000, 2000, 0, 0, 0), second);
    }

    [Fact]
    public async Task RollingBreakpoint_ReadsOldPrefix_WritesNewOne()
    {
        JsonArray System() => Array(TextBlock(Text(1500, "rolling")));
        var turn1 = Message("user", TextBlock("First question", Cc()));
        var first = await SendAsync(Request(Sonnet, Array(turn1), system: System()));
        var prefix1 = first.Creation;
        Assert.Equal(Tokens(1500 * 4 + "user".Length + "First question".Length), prefix1);
        Assert.Equal(0, first.Read);

        // The next turn: the old block loses its marker, the new last block carries it (the docs' multi-turn table).
        var again = Message("user", TextBlock("First question"));
        var answer = Message("assistant", TextBlock("An answer"));
        var turn2 = Message("user", TextBlock("Second question", Cc()));
        var second = await SendAsync(Request(Sonnet, Array(again, answer, turn2), system: System()));
        Assert.Equal(prefix1, second.Read);
        Assert.Equal(second.Total - prefix1 - second.Input, second.Creation);
        Assert.True(second.Creation > 0);
        Assert.Equal(0, second.Input);
    }

    [Theory]
    [InlineData(19, true)]  // the old breakpoint is the 20th position checked: hit
    [InlineData(20, false)] // one position outside the window: miss, the whole prefix is written again
    public async Task Lookback_TwentyBlocks_HitInsideMissOutside(int added, bool hit)
    {
        var salt = "lookback" + added;
        var first = await SendAsync(Request(Sonnet, Array(Message("user", TextBlock("Start", Cc()))), system: Array(TextBlock(Text(1500, salt)))));

        var blocks = Enumerable.Range(0, added - 1).Select(i => TextBlock($"step {i}")).ToArray();
        var messages = Array(Message("user", TextBlock("Start")), Message("assistant", blocks), Message("user", TextBlock("Next", Cc())));
        var second = await SendAsync(Request(Sonnet, messages, system: Array(TextBlock(Text(1500, salt)))));
        Assert.Equal(hit ? first.Creation : 0, second.Read);
        Assert.Equal(second.Total - second.Read, second.Creation);
    }

    [Theory]
    [InlineData("claude-sonnet-4-5", 1000, false)] // minimum 1,024
    [InlineData("claude-sonnet-4-5", 1100, true)]
    [InlineData("claude-haiku-4-5", 4000, false)]  // minimum 4,096
    [InlineData("claude-opus-4-7", 2000, false)]   // minimum 2,048
    [InlineData("claude-opus-4-7", 2100, true)]
    [InlineData("claude-opus-5", 600, true)]       // minimum 512
    public async Task MinimumLength_ShorterPrefix_NeitherWrittenNorRead(string model, int tokens, bool cached)
    {
        var request = Request(model, Array(Message("user", TextBlock("Hi"))), system: Array(TextBlock(Text(tokens, "min" + model + tokens), Cc())));
        var first = await SendAsync(request);
        var second = await SendAsync(request);
        Assert.Equal(cached ? tokens : 0, first.Creation);
        Assert.Equal(cached ? tokens : 0, second.Read);
        if (!cached) Assert.Equal(first.Total, second.Input);
    }

    [Fact]
    public async Task Ttl_FiveMinutes_RefreshedOnHit_ThenExpires()
    {
        var request = Request(Sonnet, Array(Message("user", TextBlock("Hi"))), system: Array(TextBlock(Text(1200, "ttl5"), Cc())));
        Assert.Equal(1200, (await SendAsync(request)).Creation);
        sim.Time.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(1200, (await SendAsync(request)).Read);
        sim.Time.Advance(TimeSpan.FromMinutes(4)); // 8 minutes after the write, 4 after the refreshing hit
        Assert.Equal(1200, (await SendAsync(request)).Read);
        sim.Time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        var expired = await SendAsync(request);
        Assert.Equal(0, expired.Read);
        Assert.Equal(1200, expired.Write5m);
    }

    [Fact]
    public async Task Ttl_OneHour_OutlivesFiveMinutes_ThenExpires()
    {
        var request = Request(Sonnet, Array(Message("user", TextBlock("Hi"))), system: Array(TextBlock(Text(1200, "ttl1h"), Cc("1h"))));
        var first = await SendAsync(request);
        Assert.Equal((1200, 0), (first.Write1h, first.Write5m));
        sim.Time.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal(1200, (await SendAsync(request)).Read);
        sim.Time.Advance(TimeSpan.FromMinutes(61));
        Assert.Equal(1200, (await SendAsync(request)).Write1h);
    }

    [Fact]
    public async Task MixedTtls_OneHourThenFiveMinutes_SplitInCacheCreation()
    {
        var tools = Array(Tool("read_file", Text(1100, "mixed-tool"), Cc("1h")));
        var toolChars = ("name".Length + "\"read_file\"".Length + "description".Length + Text(1100, "mixed-tool").Length + 2
            + "input_schema".Length + "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"}}}".Length);
        var toolTokens = Tokens(toolChars);
        var request = Request(Sonnet, Array(Message("user", TextBlock("Hi"))), system: Array(TextBlock(Text(500, "mixed-system"), Cc())), tools: tools);
        var first = await SendAsync(request);
        Assert.Equal(toolTokens, first.Write1h);
        Assert.Equal(Tokens(toolChars + 2000L) - toolTokens, first.Write5m);

        var second = await SendAsync(request);
        Assert.Equal(first.Creation, second.Read);
        Assert.Equal(0, second.Creation);
    }

    [Fact]
    public async Task MixedTtls_OneHourAfterFiveMinutes_Rejected()
    {
        var request = Request(Sonnet, Array(Message("user", TextBlock("Hi", Cc("1h")))), system: Array(TextBlock("Rules", Cc("5m"))));
        var (status, text, _) = await PostAsync(sim.Http, request.ToJsonString());
        Assert.Equal(400, status);
        Assert.StartsWith("messages.0.content.0.cache_control.ttl: a ttl='1h' cache_control block must not come after a ttl='5m'", ErrorMessage(text));
    }

    [Fact]
    public async Task ChangedToolDefinition_InvalidatesEverything()
    {
        JsonObject Build(string description) => Request(Sonnet, Array(Message("user", TextBlock("Hi"))),
            system: Array(TextBlock(Text(1200, "tools-change"), Cc())), tools: Array(Tool("read_file", description)));
        var first = await SendAsync(Build("Reads a file"));
        Assert.Equal(first.Creation, (await SendAsync(Build("Reads a file"))).Read);
        var changed = await SendAsync(Build("Reads one file"));
        Assert.Equal(0, changed.Read);
        Assert.True(changed.Creation > 1200);
    }

    [Fact]
    public async Task ChangedToolChoice_InvalidatesMessagesOnly_SystemStillRead()
    {
        JsonObject Build(string choice)
        {
            var request = Request(Sonnet, Array(Message("user", TextBlock(Text(300, "choice-user"), Cc()))),
                system: Array(TextBlock(Text(1200, "choice-system"), Cc())), tools: Array(Tool("read_file", "Reads a file")));
            request["tool_choice"] = new JsonObject { ["type"] = choice };
            return request;
        }
        var first = await SendAsync(Build("auto"));
        Assert.Equal(0, first.Read);
        var systemPrefix = first.Creation - Tokens(300 * 4 + "user".Length);
        var changed = await SendAsync(Build("any"));
        Assert.InRange(changed.Read, systemPrefix - 1, systemPrefix + 1);
        Assert.Equal(first.Creation - changed.Read, changed.Creation);
    }

    [Fact]
    public async Task DifferentApiKey_Misses()
    {
        var request = Request(Sonnet, Array(Message("user", TextBlock("Hi"))), system: Array(TextBlock(Text(1200, "keys"), Cc())));
        Assert.Equal(1200, (await SendAsync(request)).Creation);
        using var other = Client(sim.Server, "other-key");
        var usage = await SendAsync(request, other);
        Assert.Equal((0, 1200), (usage.Read, usage.Creation));
        Assert.Equal(1200, (await SendAsync(request)).Read);
    }

    [Fact]
    public async Task CacheControlPlacement_NotPartOfTheKey()
    {
        var text = Text(1200, "placement");
        await SendAsync(Request(Sonnet, Array(Message("user", TextBlock("Hi"))), system: Array(TextBlock(text, Cc()))));
        // Same content, the marker moved to the user message: the lookback finds the system entry.
        var moved = await SendAsync(Request(Sonnet, Array(Message("user", TextBlock("Hi", Cc()))), system: Array(TextBlock(text))));
        Assert.Equal(1200, moved.Read);
        Assert.Equal(moved.Total - 1200, moved.Creation);
    }

    [Fact]
    public async Task Stream_ReportsSameUsageAsNonStream()
    {
        var request = Request(Sonnet, Array(Message("user", TextBlock("Hi", Cc()))), system: Array(TextBlock(Text(1300, "stream"))));
        await SendAsync(request);
        var plain = await SendAsync(request);

        var streamed = Copy(request);
        streamed["stream"] = true;
        var (status, text, _) = await PostAsync(sim.Http, streamed.ToJsonString());
        Assert.Equal(200, status);
        var events = SseEvent.Parse(text);
        var start = Usage.From(events[0].Data.GetProperty("message").GetProperty("usage"));
        Assert.Equal(plain, start);
        var delta = events.Single(e => e.Name == "message_delta").Data.GetProperty("usage");
        Assert.Equal(plain with { Write5m = -1, Write1h = -1 }, Usage.From(delta, full: false));
    }

    [Fact]
    public async Task AutomaticCaching_TopLevelCacheControl_CachesUpToLastBlock()
    {
        var request = Request(Sonnet, Array(Message("user", TextBlock(Text(1100, "auto")))));
        request["cache_control"] = Cc();
        var first = await SendAsync(request);
        Assert.Equal((first.Total, 0), (first.Creation, first.Input));
        Assert.Equal(first.Total, (await SendAsync(request)).Read);
    }

    [Fact]
    public async Task AutomaticCaching_ConflictingTtlOnLastBlock_Rejected()
    {
        var request = Request(Sonnet, Array(Message("user", TextBlock("Hi", Cc()))));
        request["cache_control"] = Cc("1h");
        var (status, _, _) = await PostAsync(sim.Http, request.ToJsonString());
        Assert.Equal(400, status);
    }

    [Fact]
    public async Task Images_AddedImage_InvalidatesMessagesCache()
    {
        var system = Text(1200, "images");
        var plain = Request(Sonnet, Array(Message("user", TextBlock("Hi", Cc()))), system: Array(TextBlock(system, Cc())));
        var first = await SendAsync(plain);
        var image = new JsonObject { ["type"] = "image", ["source"] = new JsonObject { ["type"] = "base64", ["media_type"] = "image/png", ["data"] = Png1x1 } };
        var withImage = Request(Sonnet, Array(Message("user", TextBlock("Hi", Cc()), image)), system: Array(TextBlock(system, Cc())));
        var second = await SendAsync(withImage);
        Assert.Equal(1200, second.Read); // the system prefix survives, the messages prefix does not
        Assert.Equal(first.Creation - 1200, second.Creation);
    }

    [Fact]
    public async Task StatsEndpoint_CountsHitsAndMisses_DeleteClears()
    {
        await using var server = await SimulatorServer.StartAsync(new SimulatorOptions());
        using var http = Client(server);
        var request = Request(Sonnet, Array(Message("user", TextBlock("Hi"))), system: Array(TextBlock(Text(1200, "stats"), Cc()))).ToJsonString();
        await OkAsync(http, request);
        await OkAsync(http, request);
        await OkAsync(http, Body(User("No breakpoint")));

        var stats = JsonDocument.Parse(await http.GetStringAsync("/_sim/cache")).RootElement;
        Assert.Equal(1, stats.GetProperty("entries").GetInt32());
        Assert.Equal(1, stats.GetProperty("hits").GetInt32());
        Assert.Equal(1, stats.GetProperty("misses").GetInt32());
        Assert.Equal(1200, stats.GetProperty("read_tokens").GetInt32());
        Assert.Equal(1200, stats.GetProperty("written_tokens").GetInt32());

        Assert.Equal(204, (int)(await http.DeleteAsync("/_sim/cache")).StatusCode);
        stats = JsonDocument.Parse(await http.GetStringAsync("/_sim/cache")).RootElement;
        Assert.Equal((0, 0), (stats.GetProperty("entries").GetInt32(), stats.GetProperty("hits").GetInt32()));
        var after = Usage.From((await OkAsync(http, request)).GetProperty("usage"));
        Assert.Equal((0, 1200), (after.Read, after.Creation));
    }

    [Fact]
    public async Task Concurrent_SameRequests_AllAddUp()
    {
        var request = Request(Sonnet, Array(Message("user", TextBlock("Hi", Cc()))), system: Array(TextBlock(Text(1500, "concurrent"), Cc())));
        var total = await CountAsync(request);
        var body = request.ToJsonString();
        var results = await Task.WhenAll(Enumerable.Range(0, 32).Select(async _ => Usage.From((await OkAsync(sim.Http, body)).GetProperty("usage"))));
        Assert.All(results, u => Assert.Equal(total, u.Total));
        Assert.Contains(results, u => u.Read == total - u.Input);
    }
}
