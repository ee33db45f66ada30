using Gateway.Economy.Tests.Support;
using System.Diagnostics;
using Gateway.Host.Tests.Infrastructure;
using Serilog.Events;

namespace Gateway.Host.Tests.Economy;

/// <summary>
/// Two real gateways sharing one real <c>redis-server</c> (<c>REDIS_URL</c>): a HIT on one instance for what the other stored; Redis
/// killed mid-test, and both keep answering (fail-open: 200, <c>X-Cache</c> BYPASS or MISS, bounded); Redis restarted on the same port,
/// and HITs come back without any help (the connection reconnects by itself).
/// </summary>
public sealed class RedisResponseCacheTests
{
    /// <summary>Generous: a request while Redis is down must not hang (the store's own timeouts are 300-500 ms).</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    /// <summary>Reconnect back-off tops out at 5 s; allow several rounds on a busy machine.</summary>
    private static readonly TimeSpan Recovery = TimeSpan.FromSeconds(25);

    [Fact]
    public async Task SharedRedis_HitAcrossInstances_KilledFailsOpen_RestartedHitsAgain()
    {
        await using var redis = await RedisServer.StartNewAsync();
        var settings = new Dictionary<string, string?> { ["REDIS_URL"] = redis.Url };
        await using var a = await GatewayFixture.StartAsync(settings);
        await using var b = await GatewayFixture.StartAsync(settings);
        var run = Guid.NewGuid().ToString("N");

        // 0. Both instances reach Redis first (a cold connection's first command may exceed the short command timeout and
        //    fail open, by design); the warm-up text carries no run marker, so it does not count as an upstream call below.
        foreach (var gw in new[] { a, b })
            await PollAsync(gw, Completion.Request($"redis-warm-up-{Guid.NewGuid():N} Say hi"), c => c.Cache == "MISS", Recovery, "never reached Redis");

        // 1. Up: A stores, B (its own simulator, which never sees the request) answers from the shared entry.
        var shared = Completion.Request($"redis-shared-{run} Name three prime numbers");
        var miss = await PollAsync(a, shared, c => c.Cache == "MISS", Recovery, "A never reached Redis (first request MISS)");
        // A's write can miss the command timeout too (fail-open): A answering HIT shows the entry is in Redis before B is asked.
        await PollAsync(a, shared, c => c.Cache == "HIT", Recovery, "A's answer never reached Redis");
        var (hit, bypassed) = await HitFromSharedEntryAsync(b, shared);
        Assert.Equal(miss.Content, hit.Content);
        hit.AssertZeroUsage();
        var (streamed, bypassedStream) = await HitFromSharedEntryAsync(b, Completion.Request($"redis-shared-{run} Name three prime numbers", stream: true));
        streamed.AssertValidStream(includeUsage: true);
        Assert.Equal(miss.Content, streamed.Content);
        // B's own upstream saw only the requests its Redis reads did not get an answer for in time (BYPASS), never a HIT's.
        Assert.Equal(bypassed + bypassedStream, Completion.UpstreamCalls(b, run));

        // 2. Killed: every request still succeeds, from the upstream, within the bound; nothing is a HIT any more.
        redis.Kill();
        var down = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            var gw = i % 2 == 0 ? a : b;
            var body = i < 2 ? shared : Completion.Request($"redis-down-{run}-{i} Say something", stream: i % 3 == 0);
            var clock = Stopwatch.StartNew();
            var c = await Completion.SendAsync(gw, body, timeout: Bound);
            c.AssertOk();
            Assert.True(c.Cache is "BYPASS" or "MISS", $"request {i} with Redis down: X-Cache {c.Cache}");
            Assert.True(c.PromptTokens > 0, $"request {i}: answered from the upstream, billed: {c.Usage}");
            Assert.Contains("Simulated answer to:", c.Content);
            Assert.True(clock.Elapsed < Bound, $"request {i} took {clock.Elapsed}");
            down.Add(c.Cache!);
        }
        Assert.Contains("BYPASS", down); // the store's failure is visible, not a silent MISS every time
        Assert.Contains(a.Logs.Events.Concat(b.Logs.Events), e => e.Level == LogEventLevel.Warning
            && e.RenderMessage().Contains("Redis", StringComparison.OrdinalIgnoreCase));

        // 3. Restarted on the same port (empty): no restart of the gateways, no call to make them reconnect.
        await redis.StartAsync();
        var again = Completion.Request($"redis-back-{run} Name three colours");
        var back = await PollAsync(a, again, c => c.Cache == "HIT", Recovery, "A never hit again after Redis restarted");
        back.AssertZeroUsage();
        var fromB = await PollAsync(b, again, c => c.Cache == "HIT", Recovery, "B never hit the entry A stored after the restart");
        Assert.Equal(back.Content, fromB.Content); // (B may have answered BYPASS from its upstream until its own connection came back)
    }

    [Fact]
    public async Task RedisHung_RequestsStillSucceedWithinBound_ThenHitsAgainWhenItResumes()
    {
        await using var redis = await RedisServer.StartNewAsync();
        await using var gw = await GatewayFixture.StartAsync(new Dictionary<string, string?> { ["REDIS_URL"] = redis.Url });
        var run = Guid.NewGuid().ToString("N");
        var session = new Dictionary<string, string> { ["X-Session-Id"] = "hung-" + run }; // sticky routing reads the session store too
        var body = Completion.Request($"redis-hung-{run} Name a river");
        await PollAsync(gw, body, c => c.Cache == "HIT", Recovery, "never reached Redis");

        // SIGSTOP: connections stay open, nothing answers. Requests pay at most the store's command timeout, never hang.
        redis.Pause();
        try
        {
            for (var i = 0; i < 6; i++)
            {
                var clock = Stopwatch.StartNew();
                var c = await Completion.SendAsync(gw, i % 2 == 0 ? body : Completion.Request($"redis-hung-{run}-{i} Say hi", stream: true), session, Bound);
                c.AssertOk();
                Assert.True(c.Cache is "BYPASS" or "MISS", $"request {i} with Redis hung: X-Cache {c.Cache}");
                Assert.True(clock.Elapsed < Bound, $"request {i} took {clock.Elapsed}");
            }
        }
        finally
        {
            redis.Resume();
        }
        await PollAsync(gw, body, c => c.Cache == "HIT", Recovery, "never hit again after Redis resumed");
    }

    /// <summary>
    /// Sends <paramref name="body"/>, whose answer is already in Redis, until <paramref name="gw"/> answers HIT; returns that answer and
    /// how many BYPASS answers came first. BYPASS (this instance's read missed the command timeout, as a cold connection's can on a
    /// loaded machine) is retried; a MISS fails at once: the instance read Redis and did not find the shared entry.
    /// </summary>
    private static async Task<(Completion Hit, int Bypassed)> HitFromSharedEntryAsync(GatewayFixture gw, System.Text.Json.Nodes.JsonObject body)
    {
        var until = DateTime.UtcNow + Recovery;
        var bypassed = 0;
        while (true)
        {
            var c = await Completion.SendAsync(gw, body, timeout: Bound);
            c.AssertOk();
            if (c.Cache == "HIT") return (c, bypassed);
            Assert.True(c.Cache == "BYPASS", $"X-Cache {c.Cache}: the entry stored through the other instance was not found");
            bypassed++;
            if (DateTime.UtcNow > until) throw new Xunit.Sdk.XunitException($"no HIT within {Recovery}: {bypassed} BYPASS answers");
            await Task.Delay(200);
        }
    }

    /// <summary>Sends <paramref name="body"/> until <paramref name="done"/> (every answer must be a 200 within the bound).</summary>
    private static async Task<Completion> PollAsync(GatewayFixture gw, System.Text.Json.Nodes.JsonObject body, Func<Completion, bool> done, TimeSpan within, string what)
    {
        var until = DateTime.UtcNow + within;
        var seen = new List<string?>();
        while (true)
        {
            var c = await Completion.SendAsync(gw, body, timeout: Bound);
            c.AssertOk();
            seen.Add(c.Cache);
            if (done(c)) return c;
            if (DateTime.UtcNow > until) throw new Xunit.Sdk.XunitException($"{what} within {within}: X-Cache seen {string.Join(",", seen)}");
            await Task.Delay(200);
        }
    }
}
