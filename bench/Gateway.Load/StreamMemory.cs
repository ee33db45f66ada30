using System.Diagnostics;

namespace Gateway.Load;

/// <summary>
/// Memory phase of <c>--mode canned</c>: a fresh gateway in front of the simulator. Idle RSS after start-up, a few requests and
/// a settle; then RSS while <c>--streams</c> slow streams are open at once (the simulator waits between events,
/// <c>[[sim:slow MS]]</c>, so each lasts about <c>--stream-seconds</c>); then RSS after they have finished. Bounded: streams
/// still open at stream-seconds + 60 s are cancelled.
/// </summary>
public static class StreamMemory
{
    public sealed record Result(
        long IdleRssKb, int IdleThreads, int Events, int SlowMs, int Streams, double RampSeconds, double AllOpenSeconds,
        int OpenAtSampling, int Samples, long OpenRssMedianKb, long OpenRssMaxKb, int OpenThreads, long SimulatorOpenRssKb,
        int Ok, int Errors, IReadOnlyList<string> ErrorExamples, double StreamP50Seconds, double StreamMaxSeconds,
        long AfterRssKb, long PeakKb);

    public static async Task<Result> RunAsync(LoadOptions o, ServerProcess gateway, ServerProcess simulator, CancellationToken ct)
    {
        // 1. Start-up is done; a few ordinary requests (both modes), then let it settle.
        using (var driver = new LoadDriver(2))
        {
            foreach (var stream in new[] { false, true })
            {
                var s = new ScenarioSamples(Scenario.Gateway(gateway.BaseUrl, stream));
                await driver.RunAsync(s, 10, TimeSpan.FromSeconds(30), ct);
                if (s.Errors > 0) throw new InvalidOperationException($"memory phase: {s.Scenario.Name} fails: {s.ErrorExamples[0]}");
            }
        }
        Console.WriteLine($"  memory: 20 requests done, settling {o.SettleSeconds} s");
        await Task.Delay(TimeSpan.FromSeconds(o.SettleSeconds), ct);
        var idle = await SampleAsync(gateway, 5, TimeSpan.FromMilliseconds(200), ct);

        // 2. How many events a stream has, so the per-event wait makes a stream last --stream-seconds.
        int events;
        using (var http = LoadDriver.NewClient(2, TimeSpan.FromSeconds(30)))
        {
            using var request = Scenario.Direct(simulator.BaseUrl, stream: true).NewRequest();
            using var response = await http.SendAsync(request, ct);
            var body = await response.Content.ReadAsStringAsync(ct);
            events = CountOf(body, "event: ");
        }
        var slowMs = Math.Max(1, o.StreamSeconds * 1000 / Math.Max(1, events - 1));
        var scenario = Scenario.SlowGatewayStream(gateway.BaseUrl, slowMs);

        // 3. The streams: started over a ramp (Kestrel's accept backlog is 512), each read to its end.
        var ramp = TimeSpan.FromSeconds(Math.Max(1.0, o.Streams / 500.0));
        using var cap = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cap.CancelAfter(ramp + TimeSpan.FromSeconds(o.StreamSeconds + 60));
        using var client = LoadDriver.NewClient(o.Streams + 16, TimeSpan.FromSeconds(o.StreamSeconds + 90));
        var open = 0;
        var done = 0;
        var outcomes = new LoadDriver.Outcome[o.Streams];
        var clock = Stopwatch.StartNew();
        var tasks = new Task[o.Streams];
        for (var i = 0; i < o.Streams; i++)
        {
            var at = ramp * i / o.Streams;
            if (at > clock.Elapsed) await Task.Delay(at - clock.Elapsed, ct);
            var index = i;
            tasks[i] = Task.Run(async () =>
            {
                try { outcomes[index] = await LoadDriver.SendAsync(client, scenario, null, () => Interlocked.Increment(ref open), cap.Token); }
                catch (OperationCanceledException) { outcomes[index] = new(0, 0, 0, "cancelled at the phase's time cap"); }
                finally { Interlocked.Increment(ref done); }
            }, ct);
        }
        Console.WriteLine($"  memory: {o.Streams} streams started over {ramp.TotalSeconds:0.0} s, {slowMs} ms between the {events} events of each");

        // 4. Wait until all have their first byte (or one has already finished, or 30 s), then sample while they are open.
        var waitOpen = Stopwatch.StartNew();
        while (Volatile.Read(ref open) < o.Streams && Volatile.Read(ref done) == 0 && waitOpen.Elapsed < TimeSpan.FromSeconds(30))
            await Task.Delay(100, ct);
        var allOpen = clock.Elapsed.TotalSeconds;
        var openAtSampling = Volatile.Read(ref open) - Volatile.Read(ref done);
        var during = await SampleAsync(gateway, 8, TimeSpan.FromMilliseconds(250), ct);
        openAtSampling = Math.Min(openAtSampling, Volatile.Read(ref open) - Volatile.Read(ref done));
        var simulatorOpen = simulator.Status()?.RssKb ?? 0;
        Console.WriteLine($"  memory: {openAtSampling} streams open while sampling, gateway RSS {during.MedianKb / 1024.0:0.0} MiB (idle {idle.MedianKb / 1024.0:0.0} MiB)");

        // 5. Let them finish (bounded by the cap above), then settle and read again.
        await Task.WhenAll(tasks);
        var ok = outcomes.Where(x => x.Error is null).ToList();
        var errors = outcomes.Where(x => x.Error is not null).Select(x => x.Error!).ToList();
        var durations = ok.Select(x => (x.End - x.Sent) / (double)Stopwatch.Frequency).Order().ToList();
        Console.WriteLine($"  memory: streams finished: {ok.Count} ok, {errors.Count} errors; settling 3 s");
        await Task.Delay(TimeSpan.FromSeconds(3), ct);
        var after = await SampleAsync(gateway, 5, TimeSpan.FromMilliseconds(200), ct);

        return new Result(idle.MedianKb, idle.Threads, events, slowMs, o.Streams, ramp.TotalSeconds, allOpen,
            openAtSampling, during.Count, during.MedianKb, during.MaxKb, during.Threads, simulatorOpen,
            ok.Count, errors.Count, errors.Distinct().Take(5).ToList(),
            durations.Count > 0 ? durations[durations.Count / 2] : double.NaN, durations.Count > 0 ? durations[^1] : double.NaN,
            after.MedianKb, gateway.Status()?.PeakKb ?? 0);
    }

    private static async Task<(long MedianKb, long MaxKb, int Threads, int Count)> SampleAsync(ServerProcess p, int count, TimeSpan every, CancellationToken ct)
    {
        var rss = new List<long>();
        var threads = 0;
        for (var i = 0; i < count; i++)
        {
            if (i > 0) await Task.Delay(every, ct);
            if (p.Status() is not { } s) continue;
            rss.Add(s.RssKb);
            threads = Math.Max(threads, s.Threads);
        }
        if (rss.Count == 0) return (0, 0, 0, 0);
        rss.Sort();
        return (rss[rss.Count / 2], rss[^1], threads, rss.Count);
    }

    private static int CountOf(string text, string what)
    {
        var n = 0;
        for (var at = text.IndexOf(what, StringComparison.Ordinal); at >= 0; at = text.IndexOf(what, at + what.Length, StringComparison.Ordinal)) n++;
        return n;
    }
}
