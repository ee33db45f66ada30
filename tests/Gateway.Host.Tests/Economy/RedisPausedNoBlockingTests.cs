using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Tracing;
using System.Text.Json.Nodes;
using Gateway.Economy.Tests.Support;
using Gateway.Host.State;
using Gateway.Host.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Gateway.Host.Tests.Economy;

/// <summary>
/// "Async all the way" (issue #8): while Redis hangs, no request thread waits for it. A real gateway on a real <c>redis-server</c>
/// (<c>REDIS_URL</c>); Redis paused (<c>CLIENT PAUSE</c>) for <see cref="Pause"/>; then a burst of <see cref="Requests"/> concurrent
/// requests, JSON and streams, each with a session of its own (sticky routing finds nothing locally and reads Redis) and half of them
/// tool round trips (the stored thinking is looked up: locally for a call this instance answered, in Redis for one it does not know).
/// Asserted, always relative to the pause (no absolute latency):
/// <list type="bullet">
/// <item>every request answers 200 before Redis resumes: each Redis read waits at most the command timeout, and then the cool-down
///   skips Redis (fail-open);</item>
/// <item>no thread-pool thread waits synchronously for a task during the burst (<c>.Wait()</c>, <c>.Result</c>,
///   <c>GetAwaiter().GetResult()</c> on an unfinished task): the runtime reports each such wait as a TPL <c>TaskWaitBegin</c> event of
///   behaviour "synchronous" on the waiting thread, which an in-process listener records with its stack;</item>
/// <item>the thread pool is never starved: from a dedicated thread, a probe work item is queued to the pool every few milliseconds
///   during the burst, and each must start while Redis is still paused, within a share of the pause.</item>
/// </list>
/// The listener is what fails a store that blocks on Redis with a task wait: such a wait is bounded (the command timeout) and the
/// cool-down that follows the first timeout stops the next reads from waiting, while the pool's starvation mitigation injects a thread
/// for each thread blocked in a task wait; so one blocked request after another shows in the probe only when the pool cannot keep up.
/// </summary>
[Collection(RedisTimingCollection.Name)]
public sealed class RedisPausedNoBlockingTests(ITestOutputHelper output)
{
    /// <summary>Long against the gateway's own bounds (300 ms per Redis command, 1 s cool-down), so every assertion has slack.</summary>
    private static readonly TimeSpan Pause = TimeSpan.FromSeconds(8);

    private const int Requests = 64;

    /// <summary>
    /// An alias of the profile's default model: sticky routing only applies to requests for the default (a client that names another
    /// model is respected), so only these read the session store.
    /// </summary>
    private const string Model = "gpt-4o";

    [Fact]
    public async Task RedisPaused_ConcurrentBurst_AllAnswerBeforeRedisResumes_AndThePoolIsNeverStarved()
    {
        await using var redis = await RedisServer.StartNewAsync();
        await using var gw = await GatewayFixture.StartAsync(new Dictionary<string, string?> { ["REDIS_URL"] = redis.Url });
        var health = gw.App.Services.GetRequiredService<SharedState>().Health!;
        var run = Guid.NewGuid().ToString("N")[..12];

        // 0. Redis up: the connection works, and every path the burst takes has run once (JIT, first-use caches), sessions included.
        await WarmUpAsync(gw, run);
        var (assistant, callId) = await ToolCallAsync(gw, $"paused-{run}-tool");
        var toolText = UserText($"paused-{run}-tool");
        foreach (var stream in new[] { false, true })
        {
            var plain = await Completion.SendAsync(gw, Plain($"paused-{run}-warm-{stream} Say hi", stream), Session($"{run}-warm-{stream}"));
            plain.AssertOk();
            var followUp = await Completion.SendAsync(gw, FollowUp(toolText, assistant, callId, stream), Session($"{run}-warm-tool-{stream}"));
            followUp.AssertOk();
            Assert.Equal("stop", followUp.FinishReason);
        }

        // 1. The burst: JSON and stream, plain and tool round trips; every request a new session.
        var bodies = Enumerable.Range(0, Requests).Select(i =>
        {
            var stream = i % 2 == 1;
            if (i % 4 < 2) return (Body: (JsonNode)Plain($"paused-{run}-{i} Say something", stream), Tool: false);
            // Half the tool round trips answer the call this instance made (thinking restored from the local copy); the other half a call
            // it never saw (a local miss: the thinking is looked up in Redis, finds nothing in time, and thinking is turned off).
            var known = i / 4 % 2 == 0;
            var id = known ? callId : $"toolu_{run}{i:D4}";
            return (Body: FollowUp(known ? toolText : UserText($"paused-{run}-{i}"), assistant, id, stream), Tool: true);
        }).ToList();

        // 2. Redis hangs. The pause cannot end before now + Pause: that is the deadline every assertion below uses. (First the warm-up's
        //    trailing writes land, the response cache's among them, and any cool-down from a slow warm-up command ends: one caught by the
        //    pause would time out and start the cool-down, and the burst would not wait for Redis at all.)
        await Task.Delay(500);
        for (var until = DateTime.UtcNow + TimeSpan.FromSeconds(15); !health.IsAvailable && DateTime.UtcNow < until;) await Task.Delay(50);
        var failuresBefore = health.Failures;
        var pauseStart = Stopwatch.GetTimestamp();
        await redis.PauseClientsAsync(Pause);
        var pauseEnd = pauseStart + (long)(Pause.TotalSeconds * Stopwatch.Frequency);
        Assert.True(health.IsAvailable, "Redis was already in its cool-down when the burst started: the burst would not wait for it");

        (Completion Completion, bool Tool, long Done)[] results;
        List<PoolProbe.Sample> samples;
        List<string> syncWaits;
        long burstStart, burstEnd;
        using (var waits = new SyncWaitListener())
        using (var probe = PoolProbe.Start())
        {
            burstStart = Stopwatch.GetTimestamp();
            results = await Task.WhenAll(bodies.Select(async (b, i) =>
            {
                var c = await Completion.SendAsync(gw, b.Body, Session($"{run}-burst-{i}"), timeout: Pause * 4);
                return (Completion: c, b.Tool, Done: Stopwatch.GetTimestamp());
            }));
            burstEnd = Stopwatch.GetTimestamp();
            syncWaits = waits.Stop();
            samples = await probe.StopAsync(burstStart, burstEnd);
        }

        double Ms(long from, long to) => (to - from) * 1000.0 / Stopwatch.Frequency;
        var latencies = samples.Where(s => s.Started != 0).Select(s => Ms(s.Queued, s.Started)).OrderBy(x => x).ToList();
        output.WriteLine($"burst of {Requests}: {Ms(burstStart, burstEnd):0} ms (pause {Pause.TotalMilliseconds:0} ms); slowest request done " +
            $"{Ms(pauseStart, results.Max(r => r.Done)):0} ms after the pause began; X-Cache {string.Join(",", results.GroupBy(r => r.Completion.Cache).Select(g => $"{g.Key}x{g.Count()}"))}; " +
            $"Redis failures during the burst {health.Failures - failuresBefore}");
        output.WriteLine($"synchronous task waits on pool threads: {syncWaits.Count}");
        output.WriteLine($"pool probes: {samples.Count} queued, {samples.Count(s => s.Started == 0)} never started; start latency p50 " +
            $"{Percentile(latencies, 50):0.0} ms, p99 {Percentile(latencies, 99):0.0} ms, max {latencies.LastOrDefault():0.0} ms");

        // 3. Every request answered, and before Redis came back.
        foreach (var (c, tool, done) in results)
        {
            c.AssertOk();
            if (tool) Assert.Equal("stop", c.FinishReason);
            Assert.True(done < pauseEnd, $"a request finished {Ms(pauseStart, done):0} ms after the pause began: it waited for Redis to resume ({Pause.TotalMilliseconds:0} ms)");
        }
        // Redis really was in the way (it was available when the burst began, so the first reads went to it): reads timed out (fail-open,
        // counted; then the cool-down), and the response cache could not answer.
        Assert.True(health.Failures > failuresBefore, "no Redis failure during the burst: the requests never reached the paused Redis");
        Assert.Contains(results, r => r.Completion.Cache == "BYPASS");

        // 4. No pool thread blocked on a task meanwhile.
        Assert.True(syncWaits.Count == 0,
            $"{syncWaits.Count} synchronous task wait(s) on thread-pool threads during the burst; the first at:\n{syncWaits.FirstOrDefault()}");

        // 5. The pool kept running work while Redis was paused: every probe of the burst started, before the pause ended, and soon.
        Assert.NotEmpty(samples);
        foreach (var s in samples)
        {
            Assert.True(s.Started != 0 && s.Started < pauseEnd,
                $"a pool work item queued {Ms(pauseStart, s.Queued):0} ms into the pause started {(s.Started == 0 ? "never" : $"{Ms(pauseStart, s.Started):0} ms into it")}: the pool was starved");
            Assert.True(Ms(s.Queued, s.Started) < Pause.TotalMilliseconds / 4,
                $"a pool work item waited {Ms(s.Queued, s.Started):0} ms to start (more than a quarter of the {Pause.TotalMilliseconds:0} ms pause): the pool was starved");
        }
    }

    /// <summary>A deterministic request (temperature 0: the response cache looks it up) for the default model.</summary>
    private static JsonObject Plain(string text, bool stream) =>
        Http.Chat(text, stream, Model, new JsonObject { ["temperature"] = 0, ["stream_options"] = stream ? new JsonObject { ["include_usage"] = true } : null });

    private static Dictionary<string, string> Session(string id) => new() { ["X-Session-Id"] = "paused-" + id };

    private static string UserText(string marker) => $$"""{{marker}} What is the weather in Paris? [[sim:thinking]] [[sim:tool get_weather {"city":"Paris"}]]""";

    private static JsonObject ToolRequest(string userText, bool stream) =>
        Http.Chat(userText, stream, Model, new JsonObject { ["tools"] = new JsonArray(Http.Tool("get_weather", "city")), ["reasoning_effort"] = "low" });

    /// <summary>The model thinks and calls get_weather; returns its assistant message and the call id.</summary>
    private static async Task<(JsonObject Assistant, string CallId)> ToolCallAsync(GatewayFixture gw, string marker)
    {
        var first = await AssistantTurn.CompleteAsync(gw, ToolRequest(UserText(marker), stream: false), stream: false);
        Assert.Equal("tool_calls", first.Finish);
        return (first.Message, first.Message["tool_calls"]!.AsArray().Single()!["id"]!.GetValue<string>());
    }

    /// <summary>The client's next request: the history, the assistant's call (under <paramref name="callId"/>) and its result.</summary>
    private static JsonObject FollowUp(string userText, JsonObject assistant, string callId, bool stream)
    {
        var body = ToolRequest(userText, stream);
        var call = assistant.DeepClone().AsObject();
        call["tool_calls"]![0]!["id"] = callId;
        var messages = body["messages"]!.AsArray();
        messages.Add(call);
        messages.Add(new JsonObject { ["role"] = "tool", ["tool_call_id"] = callId, ["content"] = "18 degrees and sunny" });
        return body;
    }

    /// <summary>Until the instance reaches Redis (a cold connection's first command may exceed the short command timeout).</summary>
    private static async Task WarmUpAsync(GatewayFixture gw, string run)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(25);
        var body = Plain($"paused-{run}-redis-warm-up Say hi", stream: false);
        while (true)
        {
            var c = await Completion.SendAsync(gw, body, Session(run + "-warm-up"));
            c.AssertOk();
            if (c.Cache == "MISS") return;
            if (DateTime.UtcNow > until) throw new Xunit.Sdk.XunitException($"never reached Redis: X-Cache {c.Cache}");
            await Task.Delay(200);
        }
    }

    /// <summary>
    /// Records, from the moment it is created until <see cref="Stop"/>, every synchronous wait for an unfinished task on a thread-pool
    /// thread, with its stack: the TPL event source reports <c>Task.Wait</c>, <c>.Result</c> and <c>GetAwaiter().GetResult()</c> as
    /// <c>TaskWaitBegin</c> with behaviour 1 ("synchronous"; an <c>await</c> is 2), on the waiting thread.
    /// </summary>
    private sealed class SyncWaitListener : EventListener
    {
        private readonly ConcurrentQueue<string> _waits = new();
        private volatile bool _stopped;

        protected override void OnEventSourceCreated(EventSource source)
        {
            if (source.Name == "System.Threading.Tasks.TplEventSource") EnableEvents(source, EventLevel.Informational, (EventKeywords)0x2 /* Tasks */);
        }

        protected override void OnEventWritten(EventWrittenEventArgs e)
        {
            if (_stopped || e.EventName != "TaskWaitBegin" || !Thread.CurrentThread.IsThreadPoolThread || e.PayloadNames is null || e.Payload is null) return;
            var behaviour = e.PayloadNames.IndexOf("Behavior");
            if (behaviour >= 0 && Convert.ToInt32(e.Payload[behaviour], System.Globalization.CultureInfo.InvariantCulture) == 1) _waits.Enqueue(Environment.StackTrace);
        }

        public List<string> Stop()
        {
            _stopped = true;
            return [.. _waits];
        }
    }

    private static double Percentile(List<double> sorted, int p) => sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, sorted.Count * p / 100)];

    /// <summary>
    /// From a dedicated thread (never a pool thread, so the probe itself cannot be starved), queues a work item to the thread pool every
    /// few milliseconds and records when it was queued and when a pool thread started it.
    /// </summary>
    private sealed class PoolProbe : IDisposable
    {
        public sealed class Sample
        {
            public long Queued;
            public long Started; // 0: not started (yet)
        }

        private readonly ConcurrentQueue<Sample> _samples = new();
        private readonly Thread _thread;
        private volatile bool _stop;

        private PoolProbe() => _thread = new Thread(Loop) { IsBackground = true, Name = "pool-probe" };

        public static PoolProbe Start()
        {
            var p = new PoolProbe();
            p._thread.Start();
            return p;
        }

        private void Loop()
        {
            while (!_stop)
            {
                var sample = new Sample { Queued = Stopwatch.GetTimestamp() };
                _samples.Enqueue(sample);
                ThreadPool.UnsafeQueueUserWorkItem(static s => Volatile.Write(ref ((Sample)s!).Started, Stopwatch.GetTimestamp()), sample);
                Thread.Sleep(10);
            }
        }

        /// <summary>Stops queuing, lets the last items start (bounded), returns the samples queued between the two timestamps.</summary>
        public async Task<List<Sample>> StopAsync(long from, long to)
        {
            _stop = true;
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (_samples.Any(s => Volatile.Read(ref s.Started) == 0) && DateTime.UtcNow < until) await Task.Delay(20);
            return _samples.Where(s => s.Queued >= from && s.Queued <= to).ToList();
        }

        public void Dispose() => _stop = true;
    }
}
