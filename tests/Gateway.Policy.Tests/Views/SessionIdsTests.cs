using Gateway.Policy.Sessions;
using Gateway.Policy.Tests.Pipeline;
using static Gateway.Policy.Tests.Pipeline.PolicyTestKit;

namespace Gateway.Policy.Tests.Views;

public class SessionIdsTests
{
    [Fact]
    public void Derived_id_is_stable_as_the_conversation_grows_and_differs_between_conversations()
    {
        var k = new Chat().System("sys").User("first ask").Assistant("answer");
        var k1 = k.Clone().User("second ask");
        var id = SessionIds.Derive(Canonical(k.Json).Request);
        Assert.NotNull(id);
        Assert.Matches("^d:[0-9a-f]{16}$", id);
        Assert.Equal(id, SessionIds.Derive(Canonical(k1.Json).Request));
        Assert.NotEqual(id, SessionIds.Derive(Canonical(new Chat().System("sys").User("another ask").Json).Request));
        Assert.NotEqual(id, SessionIds.Derive(Canonical(k.Json).Request, salt: "tenant-b"));
    }

    [Fact]
    public void Header_wins_over_derivation_and_long_values_are_hashed()
    {
        var r = Canonical(new Chat().User("x").Json).Request;
        Assert.Equal("h:abc", SessionIds.Resolve(r, new Dictionary<string, string> { ["x-session-id"] = "abc" }, "X-Session-Id"));
        Assert.StartsWith("d:", SessionIds.Resolve(r, new Dictionary<string, string>(), "X-Session-Id"));
        Assert.Matches("^h:[0-9a-f]{16}$", SessionIds.Resolve(r, new Dictionary<string, string> { ["x-session-id"] = new string('z', 500) }, "X-Session-Id"));
        Assert.Null(SessionIds.Derive(new Gateway.Core.Protocol.Anthropic.MessagesRequest { Model = "m", Messages = [] }));
    }

    [Fact]
    public void In_memory_store_expires_and_stays_bounded()
    {
        var time = new ManualTime();
        var store = new InMemorySessionModelStore(capacity: 10, ttl: TimeSpan.FromMinutes(5), time: time);
        store.Set("a", new SessionModel("m1", "r", "s"));
        Assert.True(store.TryGet("a", out var got));
        Assert.Equal("m1", got.Model);
        time.Advance(TimeSpan.FromMinutes(6));
        Assert.False(store.TryGet("a", out _));
        for (var i = 0; i < 100; i++) { store.Set("k" + i, new SessionModel("m", "r", "s")); time.Advance(TimeSpan.FromSeconds(1)); }
        Assert.True(store.Count <= 10);
        Assert.True(store.TryGet("k99", out _));
    }

    private sealed class ManualTime : TimeProvider
    {
        private DateTimeOffset _now = DateTimeOffset.UnixEpoch;
        public void Advance(TimeSpan by) => _now += by;
        public override DateTimeOffset GetUtcNow() => _now;
    }
}
