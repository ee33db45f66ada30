using System.Diagnostics;

namespace Gateway.Load;

/// <summary>What one scenario measured in one run, accumulated over its blocks. Times are Stopwatch ticks.</summary>
public sealed class ScenarioSamples(Scenario scenario)
{
    private const int MaxErrorExamples = 5;
    private readonly object _gate = new();

    public Scenario Scenario { get; } = scenario;
    public List<long> Latency { get; } = [];
    public List<long> FirstByte { get; } = [];
    public int Errors { get; private set; }
    public List<string> ErrorExamples { get; } = [];
    public TimeSpan Elapsed { get; set; }
    public bool HitTimeCap { get; set; }

    /// <summary>Canned mode: connections the canned upstream accepted while this scenario's blocks ran (new upstream connections).</summary>
    public long UpstreamConnections { get; set; }

    /// <summary>CPU time each server process used while this scenario's blocks ran, by server name.</summary>
    public Dictionary<string, TimeSpan> Cpu { get; } = [];

    /// <summary>Milliseconds of <paramref name="server"/> CPU per completed request.</summary>
    public double CpuMsPerRequest(string server) =>
        Latency.Count > 0 && Cpu.TryGetValue(server, out var t) ? t.TotalMilliseconds / Latency.Count : double.NaN;

    public double Throughput => Elapsed > TimeSpan.Zero ? Latency.Count / Elapsed.TotalSeconds : 0;

    public void Add(long latency, long firstByte)
    {
        lock (_gate)
        {
            Latency.Add(latency);
            if (Scenario.Stream) FirstByte.Add(firstByte);
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

    public static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
}
