using Gateway.Host.State;
using System.Text;
using Gateway.Economy.Cache;
using Gateway.State;
using Gateway.Economy.Tests.Support;
using Gateway.Core.Translation;
using Gateway.Economy.Prompt;
using Gateway.Policy.Sessions;

namespace Gateway.Economy.Tests.State;

/// <summary>
/// The contract every store keeps, run against Redis and against the in-memory twins: reads of absent keys miss, writes are read back,
/// a write replaces, entries expire at their TTL, scopes do not leak. Keys are unique per test so the Redis server can be shared.
/// </summary>
public abstract class StateStoreContract
{
    protected abstract SharedState State { get; }

    private static string Unique(string what) => $"{what}-{Guid.NewGuid():N}";

    [Fact]
    public async Task ResponseStore_AbsentKey_Misses()
    {
        var r = await State.ResponseCacheStore.GetAsync(Unique("absent"));
        Assert.Equal(CacheReadStatus.Miss, r.Status);
        Assert.Null(r.Value);
    }

    [Fact]
    public async Task ResponseStore_Set_ReadsBackBytes_AndReplaces()
    {
        var key = Unique("resp");
        Assert.True(await State.ResponseCacheStore.SetAsync(key, "first é 😀"u8.ToArray(), TimeSpan.FromMinutes(1)));
        var r = await State.ResponseCacheStore.GetAsync(key);
        Assert.Equal(CacheReadStatus.Hit, r.Status);
        Assert.Equal("first é 😀", Encoding.UTF8.GetString(r.Value!));

        Assert.True(await State.ResponseCacheStore.SetAsync(key, "second"u8.ToArray(), TimeSpan.FromMinutes(1)));
        Assert.Equal("second", Encoding.UTF8.GetString((await State.ResponseCacheStore.GetAsync(key)).Value!));
    }

    [Fact]
    public async Task ResponseStore_Entry_ExpiresAtTtl()
    {
        var key = Unique("ttl");
        Assert.True(await State.ResponseCacheStore.SetAsync(key, "x"u8.ToArray(), TimeSpan.FromMilliseconds(200)));
        Assert.True(await Eventually.TrueAsync(
            async () => (await State.ResponseCacheStore.GetAsync(key)).Status == CacheReadStatus.Miss, TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task SessionStore_Set_ReadsBack_AndReplaces()
    {
        var key = Unique("default:d:abc");
        Assert.Null(await State.SessionModels.GetAsync(key));
        var first = new SessionModel("claude-sonnet-4-5", "gpt-4o", "alias");
        State.SessionModels.Set(key, first);
        // Redis writes are fire-and-forget (the local copy answers this instance's reads); polled as for any shared store.
        Assert.True(await Eventually.TrueAsync(async () => await State.SessionModels.GetAsync(key) == first, TimeSpan.FromSeconds(5)));

        var second = new SessionModel("claude-opus-4-1", "opus", "routed:opus-heuristics:marker");
        State.SessionModels.Set(key, second);
        Assert.True(await Eventually.TrueAsync(async () => await State.SessionModels.GetAsync(key) == second, TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task ThinkingStore_AbsentId_Misses()
    {
        var thinking = await State.Thinking.GetAsync(Unique("toolu_absent"));
        Assert.Null(thinking);
    }

    [Fact]
    public async Task ThinkingStore_Save_ReadsBackEveryBlock_AndReplaces()
    {
        var id = Unique("toolu");
        var first = new StoredThinking("claude-sonnet-4-5-20250929",
        [
            new StoredThinkingBlock("thinking", "Let me think é 😀 \"quoted\"\n", "c2lnbmF0dXJl", null),
            new StoredThinkingBlock("redacted_thinking", null, null, "ZW5jcnlwdGVk"),
        ]);
        State.Thinking.Save(id, first);
        var back = await State.Thinking.GetAsync(id);
        Assert.NotNull(back);
        Assert.Equal(first.Model, back!.Model);
        Assert.Equal(first.Blocks, back.Blocks);

        var second = new StoredThinking("claude-opus-4-1", [new StoredThinkingBlock("thinking", "again", "c2ln", null)]);
        State.Thinking.Save(id, second);
        back = await State.Thinking.GetAsync(id);
        Assert.NotNull(back);
        Assert.Equal(second.Model, back!.Model);
        Assert.Equal(second.Blocks, back.Blocks);
        Assert.Null(await State.Thinking.GetAsync(id + "-other"));
    }

    [Fact]
    public async Task PrefixStore_Remember_IsSeen_InItsScopeOnly()
    {
        var scope = Unique("default:key");
        var hash = Unique("sha");
        Assert.False(await State.PrefixHashes.SeenAsync(scope, hash));
        await State.PrefixHashes.RememberAsync(scope, hash, TimeSpan.FromMinutes(5));
        Assert.True(await State.PrefixHashes.SeenAsync(scope, hash));
        Assert.False(await State.PrefixHashes.SeenAsync(scope + "-other", hash));
        Assert.False(await State.PrefixHashes.SeenAsync(scope, hash + "-other"));
    }

    [Fact]
    public async Task PrefixStore_ShorterTtl_DoesNotShortenEntry()
    {
        var scope = Unique("s");
        await State.PrefixHashes.RememberAsync(scope, "h", TimeSpan.FromHours(1));
        await State.PrefixHashes.RememberAsync(scope, "h", TimeSpan.FromMilliseconds(1));
        await Task.Delay(100);
        Assert.True(await State.PrefixHashes.SeenAsync(scope, "h"));
    }

    [Fact]
    public async Task PrefixStore_Entry_ExpiresAtTtl()
    {
        var scope = Unique("s");
        await State.PrefixHashes.RememberAsync(scope, "h", TimeSpan.FromMilliseconds(200));
        Assert.True(await Eventually.TrueAsync(async () => !await State.PrefixHashes.SeenAsync(scope, "h"), TimeSpan.FromSeconds(5)));
    }
}

public sealed class InMemoryStateStoreTests : StateStoreContract
{
    protected override SharedState State { get; } = SharedState.Create(null);

    [Fact]
    public void Backend_IsMemory() => Assert.Equal("memory", State.Backend);
}

public sealed class RedisStateStoreTests(RedisServerFixture redis) : StateStoreContract, IClassFixture<RedisServerFixture>, IAsyncLifetime
{
    private SharedState? _state;

    protected override SharedState State => _state!;

    public async Task InitializeAsync()
    {
        // The contract is about what the stores keep, not about timeouts: generous ones, so a loaded machine does not make a
        // command fail open (a silently skipped write) and the assertion read that as a broken store. Fail-open has its own tests.
        _state = SharedState.Create(redis.Server.Url, settings: new RedisSettings { ConnectTimeout = TimeSpan.FromSeconds(2), OperationTimeout = TimeSpan.FromSeconds(5) });
        Assert.True(await _state.Redis!.WaitUntilAvailableAsync(TimeSpan.FromSeconds(10)), "Redis connection not available");
    }

    public async Task DisposeAsync() => await _state!.DisposeAsync();

    [Fact]
    public void Backend_NamesRedisEndpoint() => Assert.Equal($"redis 127.0.0.1:{redis.Server.Port}/0", State.Backend);

    [Fact]
    public async Task SessionStore_WrittenOnOneInstance_ReadFromRedisByAnother_ThenLocal()
    {
        // Another instance of the fleet: its own connection and local copies, the same Redis.
        await using var other = SharedState.Create(redis.Server.Url, settings: new RedisSettings { ConnectTimeout = TimeSpan.FromSeconds(2), OperationTimeout = TimeSpan.FromSeconds(5) });
        Assert.True(await other.Redis!.WaitUntilAvailableAsync(TimeSpan.FromSeconds(10)), "Redis connection not available");
        var key = $"default:h:fleet-{Guid.NewGuid():N}";
        var model = new SessionModel("claude-opus-4-1", "gpt-4o", "routed:opus-heuristics:hard-task");
        State.SessionModels.Set(key, model);

        // The other instance does not know the session: its read misses locally and goes to Redis (polled: the write is fire-and-forget).
        Assert.True(await Eventually.TrueAsync(async () => await other.SessionModels.GetAsync(key) == model, TimeSpan.FromSeconds(5)), "never read from Redis");
        // Then it answers from its local copy, synchronously.
        var again = other.SessionModels.GetAsync(key);
        Assert.True(again.IsCompletedSuccessfully);
        Assert.Equal(model, again.Result);
        Assert.Equal(0, State.Health!.Failures + other.Health!.Failures);
    }

    [Fact]
    public async Task Contract_Redis_HadNoFailures()
    {
        await State.ResponseCacheStore.GetAsync("any");
        Assert.Equal(0, State.Health!.Failures);
        Assert.True(State.Health.IsAvailable);
    }
}
