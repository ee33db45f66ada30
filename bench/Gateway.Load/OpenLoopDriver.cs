using System.Diagnostics;

namespace Gateway.Load;

/// <summary>What one side measured at a fixed rate. Times are Stopwatch ticks.</summary>
public sealed class OpenLoopSamples(Scenario scenario)
{
    private const int MaxErrorExamples = 5;
    private readonly object _gate = new();

    public Scenario Scenario { get; } = scenario;

    /// <summary>Scheduled start to last body byte: what a client sending at this rate sees (queueing included).</summary>
    public List<long> Latency { get; } = [];

    /// <summary>Actual send to last body byte.</summary>
    public List<long> Service { get; } = [];

    /// <summary>How late the pacing loop launched each request (tool starved of CPU shows here).</summary>
    public List<long> LaunchLag { get; } = [];

    public int Scheduled { get; set; }

    /// <summary>Not sent because the in-flight cap was reached (the target fell too far behind).</summary>
    public int Skipped { get; set; }

    public int Errors { get; private set; }
    public List<string> ErrorExamples { get; } = [];

    /// <summary>Time the schedule ran (sum over blocks), without the wait for the last answers.</summary>
    public TimeSpan Window { get; set; }

    public Dictionary<string, TimeSpan> Cpu { get; } = [];

    public double CpuMsPerRequest(string process) =>
        Latency.Count > 0 && Cpu.TryGetValue(process, out var t) ? t.TotalMilliseconds / Latency.Count : double.NaN;

    /// <summary>Completed answers per second of schedule.</summary>
    public double Achieved => Window > TimeSpan.Zero ? Latency.Count / Window.TotalSeconds : 0;

    public void Add(long latency, long service, long lag)
    {
        lock (_gate)
        {
            Latency.Add(latency);
            Service.Add(service);
            LaunchLag.Add(lag);
        }
    }

    public void Fail(string why)
    {
        lock (_gate)
        {
            Errors++;
            if (ErrorExamples.Count < MaxErrorExamples) ErrorExamples.Add(why);
        }
    }
}

/// <summary>
/// Open-loop load: request i is due at start + i / rate whatever the earlier ones are doing (no coordinated omission: a slow
/// answer does not delay the next send, and latency counts from the scheduled time). Bounded: rate x duration requests, at most
/// <c>maxInFlight</c> outstanding (the rest are counted as skipped), and a final wait of at most 30 s for the last answers.
/// </summary>
public static class OpenLoopDriver
{
    public static async Task RunAsync(HttpClient client, OpenLoopSamples into, int rate, TimeSpan duration, int maxInFlight, CancellationToken ct)
    {
        var total = (int)Math.Round(rate * duration.TotalSeconds);
        var period = (double)Stopwatch.Frequency / rate;
        var inFlight = 0;
        var tasks = new List<Task>(total);
        var start = Stopwatch.GetTimestamp();
        var i = 0;
        while (i < total && !ct.IsCancellationRequested)
        {
            var due = (int)Math.Min(total, (Stopwatch.GetTimestamp() - start) / period + 1);
            for (; i < due; i++)
            {
                var scheduled = start + (long)(i * period);
                if (Volatile.Read(ref inFlight) >= maxInFlight) { into.Skipped++; continue; }
                Interlocked.Increment(ref inFlight);
                tasks.Add(Task.Run(async () =>
                {
                    try
                    {
                        var outcome = await LoadDriver.SendAsync(client, into.Scenario, null, null, ct);
                        if (outcome.Error is { } error) into.Fail(error);
                        else into.Add(outcome.End - scheduled, outcome.End - outcome.Sent, outcome.Sent - scheduled);
                    }
                    finally { Interlocked.Decrement(ref inFlight); }
                }, ct));
            }
            // Sleep to the next due time, at least 1 ms (no spinning: the CPU is shared with the servers); when it oversleeps,
            // the requests that fell due go out together.
            var next = start + (long)(i * period);
            var wait = (next - Stopwatch.GetTimestamp()) * 1000.0 / Stopwatch.Frequency;
            if (i < total) await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(1, wait)), ct);
        }
        into.Scheduled += total;
        into.Window += Stopwatch.GetElapsedTime(start);
        try { await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(30), ct); }
        catch (TimeoutException) { into.Fail("answers still outstanding 30 s after the schedule ended"); }
    }
}
