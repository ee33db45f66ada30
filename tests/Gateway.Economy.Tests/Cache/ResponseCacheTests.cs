using System.Text;
using System.Text.Json;
using Gateway.Economy.Cache;
using Gateway.State;
using Gateway.Core.Protocol.Anthropic;
using Gateway.Core.Protocol.OpenAi;

namespace Gateway.Economy.Tests.Cache;

public sealed class ResponseCacheTests
{
    private static readonly CachedAnswer Answer = new()
    {
        Content = "A is an empty class.",
        FinishReason = "stop",
        Model = "claude-sonnet-4-5-20250929",
        Created = 1_700_000_000,
        OriginalUsage = new CachedUsage(1200, 8, 1000),
    };

    private static ResponseCache NewCache(int ttlSeconds = 1800) =>
        new(new InMemoryResponseCacheStore(), ResponseCacheOptions.FromTtlSeconds(ttlSeconds));

    [Fact]
    public async Task Lookup_TemperatureZero_MissThenStoreThenHit()
    {
        var cache = NewCache();
        var miss = await cache.LookupAsync(TestRequests.Agent(), "default", new CacheSettings(), 0);
        Assert.Equal(CacheStatus.Miss, miss.Status);
        Assert.Equal("MISS", miss.HeaderValue);
        Assert.Matches("^[0-9a-f]{64}$", miss.Key);

        Assert.True(await cache.StoreAsync(miss.Key!, Answer));

        var hit = await cache.LookupAsync(TestRequests.Agent(), "default", new CacheSettings(), 0);
        Assert.Equal(CacheStatus.Hit, hit.Status);
        Assert.Equal("HIT", hit.HeaderValue);
        Assert.Equal(Answer, hit.Answer);
    }

    [Theory]
    [InlineData(0.7)]
    [InlineData(1.0)]
    [InlineData(null)] // the API default is 1
    public async Task Lookup_NonZeroTemperature_Bypass(double? temperature)
    {
        var l = await NewCache().LookupAsync(TestRequests.Agent(temperature), "default", new CacheSettings(), temperature);
        Assert.Equal(CacheStatus.Bypass, l.Status);
        Assert.Equal(CacheLookup.NotDeterministic, l.BypassReason);
        Assert.Equal("BYPASS", l.HeaderValue);
        Assert.Null(l.Key);
    }

    [Fact]
    public async Task Lookup_ClientTemperatureUnset_UsesUpstreamTemperature()
    {
        var l = await NewCache().LookupAsync(TestRequests.Agent(0), "default", new CacheSettings(), temperature: null);
        Assert.Equal(CacheStatus.Miss, l.Status);
    }

    [Fact]
    public async Task Lookup_ModeAlways_CachesAnyTemperature()
    {
        var cache = NewCache();
        var miss = await cache.LookupAsync(TestRequests.Agent(0.7), "default", ResponseCacheMode.Always, 0.7);
        Assert.Equal(CacheStatus.Miss, miss.Status);
        await cache.StoreAsync(miss.Key!, Answer);
        Assert.Equal(CacheStatus.Hit, (await cache.LookupAsync(TestRequests.Agent(0.7), "default", ResponseCacheMode.Always, 0.7)).Status);
        // Another temperature is another request.
        Assert.Equal(CacheStatus.Miss, (await cache.LookupAsync(TestRequests.Agent(0.2), "default", ResponseCacheMode.Always, 0.2)).Status);
    }

    [Fact]
    public async Task Lookup_ProfileResponseCacheOff_Bypass()
    {
        var l = await NewCache().LookupAsync(TestRequests.Agent(), "default", new CacheSettings { ResponseCache = false }, 0);
        Assert.Equal(CacheStatus.Bypass, l.Status);
        Assert.Equal(CacheLookup.ProfileOff, l.BypassReason);
    }

    [Fact]
    public async Task Lookup_TtlZero_BypassAndStoreDoesNothing()
    {
        var cache = NewCache(ttlSeconds: 0);
        var l = await cache.LookupAsync(TestRequests.Agent(), "default", new CacheSettings(), 0);
        Assert.Equal(CacheStatus.Bypass, l.Status);
        Assert.Equal(CacheLookup.Disabled, l.BypassReason);
        Assert.False(await cache.StoreAsync("k", Answer));
    }

    [Fact]
    public async Task Lookup_StoreUnavailable_Bypass()
    {
        // A Redis endpoint nobody listens on: the store fails open at once.
        await using var redis = new RedisConnection(RedisUrl.Parse("redis://127.0.0.1:1"));
        var cache = new ResponseCache(new RedisResponseCacheStore(redis));
        var l = await cache.LookupAsync(TestRequests.Agent(), "default", new CacheSettings(), 0);
        Assert.Equal(CacheStatus.Bypass, l.Status);
        Assert.Equal(CacheLookup.StoreUnavailable, l.BypassReason);
        Assert.False(await cache.StoreAsync(ResponseCacheKey.Compute(TestRequests.Agent(), "default"), Answer));
    }

    [Fact]
    public async Task Lookup_CorruptStoredValue_IsMiss()
    {
        var store = new InMemoryResponseCacheStore();
        var cache = new ResponseCache(store);
        var key = ResponseCacheKey.Compute(TestRequests.Agent(), "default");
        await store.SetAsync(key, "not json"u8.ToArray(), TimeSpan.FromMinutes(1));
        Assert.Equal(CacheStatus.Miss, (await cache.LookupAsync(TestRequests.Agent(), "default", new CacheSettings(), 0)).Status);
    }

    [Fact]
    public void Key_DifferentProfile_DifferentKey() =>
        Assert.NotEqual(ResponseCacheKey.Compute(TestRequests.Agent(), "default"), ResponseCacheKey.Compute(TestRequests.Agent(), "acme"));

    [Fact]
    public void Key_IgnoresStreamMetadataAndCacheControl()
    {
        var plain = ResponseCacheKey.Compute(TestRequests.Agent(), "default");
        Assert.Equal(plain, ResponseCacheKey.Compute(TestRequests.Agent(stream: true), "default"));
        Assert.Equal(plain, ResponseCacheKey.Compute(TestRequests.Agent(stream: false), "default"));
        Assert.Equal(plain, ResponseCacheKey.Compute(TestRequests.Agent(userId: "user-42"), "default"));
        Assert.Equal(plain, ResponseCacheKey.Compute(TestRequests.Agent(breakpoints: true), "default"));
    }

    [Fact]
    public void Key_ChangesWithTheQuestion()
    {
        var plain = ResponseCacheKey.Compute(TestRequests.Agent(), "default");
        var otherModel = TestRequests.Agent();
        otherModel.Model = "claude-opus-4-1";
        var otherText = TestRequests.Agent();
        otherText.Messages[^1].Content[^1].Text = "Explain it briefly.";
        var otherMax = TestRequests.Agent();
        otherMax.MaxTokens = 2048;
        var otherTools = TestRequests.Agent();
        otherTools.Tools![0].Description = "Read a file from disk";
        foreach (var r in new[] { otherModel, otherText, otherMax, otherTools })
            Assert.NotEqual(plain, ResponseCacheKey.Compute(r, "default"));
    }

    [Fact]
    public void Normalize_DropsOnlyAnthropicCacheControl_KeepsSchemaPropertiesNamedCacheControl()
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(TestRequests.Agent(stream: true, userId: "u", breakpoints: true), AnthropicRequestJsonContext.Default.MessagesRequest);
        var normalized = Encoding.UTF8.GetString(ResponseCacheKey.Normalize(json).WrittenSpan);
        using var doc = JsonDocument.Parse(normalized);
        var root = doc.RootElement;
        Assert.False(root.TryGetProperty("stream", out _));
        Assert.False(root.TryGetProperty("metadata", out _));
        Assert.False(root.GetProperty("system")[0].TryGetProperty("cache_control", out _));
        Assert.False(root.GetProperty("tools")[0].TryGetProperty("cache_control", out _));
        var toolResult = root.GetProperty("messages")[2].GetProperty("content")[0];
        Assert.False(toolResult.TryGetProperty("cache_control", out _));
        Assert.False(toolResult.GetProperty("content")[0].TryGetProperty("cache_control", out _));
        // A tool's JSON Schema may well have a property called cache_control: it is part of the question.
        Assert.True(root.GetProperty("tools")[0].GetProperty("input_schema").GetProperty("properties").TryGetProperty("cache_control", out _));
    }

    [Fact]
    public void TryFrom_TextAnswer_KeepsTextFinishAndOriginalUsage()
    {
        var a = CachedAnswer.TryFrom(Response(new ChatCompletionResponseMessage { Content = "Hi" }, "length"));
        Assert.NotNull(a);
        Assert.Equal("Hi", a.Content);
        Assert.Equal("length", a.FinishReason);
        Assert.Equal(new CachedUsage(30, 2, 10), a.OriginalUsage);
    }

    [Fact]
    public void TryFrom_ToolCallAnswer_IsNotCached()
    {
        var toolCall = new ChatCompletionResponseMessage
        {
            Content = "Let me read it.",
            ToolCalls = [new ChatCompletionResponseToolCall { Id = "toolu_1", Function = new ChatCompletionResponseFunctionCall { Name = "read_file", Arguments = "{}" } }],
        };
        Assert.Null(CachedAnswer.TryFrom(Response(toolCall, "tool_calls")));
        Assert.Null(CachedAnswer.TryFrom(Response(toolCall, "stop"))); // tool calls in the answer, whatever the finish reason
        Assert.Null(CachedAnswer.TryFrom(Response(new ChatCompletionResponseMessage { Content = "x", FunctionCall = new() { Name = "f", Arguments = "{}" } }, "function_call")));
        Assert.Null(CachedAnswer.TryFrom(Response(new ChatCompletionResponseMessage { Content = "x", ReasoningContent = "hmm" }, "stop")));
        Assert.Null(CachedAnswer.TryFrom(Response(new ChatCompletionResponseMessage { Content = "x" }, "content_filter")));
    }

    [Fact]
    public async Task Store_NonTextFinish_NotStored()
    {
        var cache = NewCache();
        Assert.False(await cache.StoreAsync("k", Answer with { FinishReason = "tool_calls" }));
    }

    [Fact]
    public async Task Store_TooLarge_NotStored()
    {
        var cache = new ResponseCache(new InMemoryResponseCacheStore(), new ResponseCacheOptions { MaxAnswerBytes = 100 });
        Assert.False(await cache.StoreAsync("k", Answer with { Content = new string('x', 200) }));
    }

    private static ChatCompletionResponse Response(ChatCompletionResponseMessage message, string finish) => new()
    {
        Id = "chatcmpl-1",
        Model = "claude-sonnet-4-5",
        Created = 1,
        Choices = [new ChatCompletionResponseChoice { Message = message, FinishReason = finish }],
        Usage = new ChatCompletionResponseUsage { PromptTokens = 30, CompletionTokens = 2, TotalTokens = 32, PromptTokensDetails = new(10) },
    };
}
