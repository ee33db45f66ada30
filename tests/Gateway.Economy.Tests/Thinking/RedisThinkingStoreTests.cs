using Gateway.State;
using Gateway.Economy.Tests.Support;
using Gateway.State.Thinking;
using Gateway.Core.Translation;
using StackExchange.Redis;

namespace Gateway.Economy.Tests.Thinking;

/// <summary>
/// Two replicas (two connections, two stores) over one real Redis: what one saves the other reads back, entries expire at the
/// store's TTL, values that are not ours read as absent, over-long ids stay local. The common contract runs in
/// <see cref="State.StateStoreContract"/>; fail-open in <see cref="RedisThinkingStoreFailOpenTests"/>.
/// </summary>
public sealed class RedisThinkingStoreTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    // Generous: this class is about what the store keeps, not about timeouts (a skipped write would read as a broken store).
    private static readonly RedisSettings Settings = new() { ConnectTimeout = TimeSpan.FromSeconds(2), OperationTimeout = TimeSpan.FromSeconds(5) };

    private RedisConnection _a = null!;
    private RedisConnection _b = null!;

    public async Task InitializeAsync()
    {
        _a = new RedisConnection(RedisUrl.Parse(redis.Server.Url), Settings);
        _b = new RedisConnection(RedisUrl.Parse(redis.Server.Url), Settings);
        Assert.True(await _a.WaitUntilAvailableAsync(Bound), "replica A never connected");
        Assert.True(await _b.WaitUntilAvailableAsync(Bound), "replica B never connected");
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }

    private static string NewId() => $"toolu_{Guid.NewGuid():N}";

    private static StoredThinking Sample(string text = "Weighing the options") => new("claude-sonnet-4-5-20250929",
    [
        new StoredThinkingBlock("thinking", text, "c2lnbmF0dXJl", null),
        new StoredThinkingBlock("redacted_thinking", null, null, "ZW5jcnlwdGVk"),
    ]);

    /// <summary>Polls the store's read until it finds <paramref name="id"/>.</summary>
    private static async Task<StoredThinking?> EventuallyFoundAsync(RedisThinkingStore store, string id)
    {
        StoredThinking? found = null;
        await Eventually.TrueAsync(async () => (found = await store.GetAsync(id)) is not null, Bound);
        return found;
    }

    [Fact]
    public async Task SavedOnOneReplica_ReadByAnother_WithTtl()
    {
        var a = new RedisThinkingStore(_a);
        var b = new RedisThinkingStore(_b);
        var id = NewId();
        var saved = Sample();

        a.Save(id, saved);
        var read = await EventuallyFoundAsync(b, id);
        Assert.NotNull(read);
        Assert.Equal(saved.Model, read.Model);
        Assert.Equal(saved.Blocks, read.Blocks);

        var ttl = await _a.ExecuteAsync("test", db => db.KeyTimeToLiveAsync(StateKeys.Thinking + id), default);
        Assert.True(ttl is { Ok: true, Value: { } t } && t > TimeSpan.Zero && t <= RedisThinkingStore.DefaultTtl, $"TTL {ttl.Value}");
        Assert.Equal(0, _a.Health.Failures + _b.Health.Failures);
    }

    [Fact]
    public async Task Entry_ExpiresAtTtl_OnEveryReplica()
    {
        var ttl = TimeSpan.FromMilliseconds(500);
        var a = new RedisThinkingStore(_a, ttl);
        var b = new RedisThinkingStore(_b, ttl);
        var id = NewId();
        a.Save(id, Sample());

        // B may or may not catch it before it expires (a loaded machine); either way both replicas forget it.
        Assert.True(await Eventually.TrueAsync(async () => await a.GetAsync(id) is null && await b.GetAsync(id) is null, Bound), "never expired");
        var exists = await _a.ExecuteAsync("test", db => db.KeyExistsAsync(StateKeys.Thinking + id), default);
        Assert.True(exists is { Ok: true, Value: false });
    }

    [Fact]
    public async Task ForeignOrCorruptValue_ReadsAsAbsent()
    {
        var b = new RedisThinkingStore(_b);
        var values = new Dictionary<string, RedisValue>
        {
            [NewId()] = "not json",
            [NewId()] = """{"model":"claude-sonnet-4-5","blocks":[]}""",
            [NewId()] = """{"blocks":[{"type":"thinking","thinking":"t","signature":"s"}]}""",
            [NewId()] = """{"model":"claude-sonnet-4-5","blocks":[{"thinking":"no type"}]}""",
            [NewId()] = """[1,2,3]""",
        };
        foreach (var (id, value) in values)
            Assert.True((await _a.ExecuteAsync("test", db => db.StringSetAsync(StateKeys.Thinking + id, value, TimeSpan.FromMinutes(1)), default)).Ok);

        foreach (var id in values.Keys)
        {
            var thinking = await b.GetAsync(id).AsTask().WaitAsync(Bound);
            Assert.True(thinking is null, id);
        }
        Assert.Equal(0, _b.Health.Failures); // Redis answered; the values were simply not ours
    }

    [Fact]
    public async Task OverLongId_StaysLocal()
    {
        var a = new RedisThinkingStore(_a);
        var b = new RedisThinkingStore(_b);
        var longId = "toolu_" + new string('x', RedisThinkingStore.MaxSharedIdLength);
        var shortId = NewId();

        a.Save(longId, Sample("long"));
        a.Save(shortId, Sample("short")); // same connection, written after: once B sees it, B would have seen the first
        Assert.NotNull(await EventuallyFoundAsync(b, shortId));

        var local = a.GetAsync(longId);
        Assert.True(local.IsCompletedSuccessfully && local.Result is not null); // the local copy answers synchronously
        Assert.Equal("long", local.Result!.Blocks[0].Thinking);
        Assert.Null(await b.GetAsync(longId).AsTask().WaitAsync(Bound));
    }
}
