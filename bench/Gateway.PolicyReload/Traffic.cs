using System.Collections.Concurrent;

namespace Gateway.PolicyReload;

/// <summary>
/// Client tasks that send requests back to back until stopped: stream and non-stream alternate, and every other pair
/// goes to the research profile (whose script rule then runs). Requests in flight when <see cref="StopAsync"/> is called
/// finish normally and are counted; none is cancelled by the tool.
/// </summary>
public sealed class Traffic
{
    private readonly GatewayClient _client;
    private readonly List<Task> _tasks = [];
    private readonly ConcurrentDictionary<string, int> _versions = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _errors = new();
    private readonly List<double> _latencies = [];
    private readonly Lock _gate = new();
    private volatile bool _stop;
    private long _ok;
    private long _failed;
    private long _stream;

    private Traffic(GatewayClient client) => _client = client;

    public static Traffic Start(GatewayClient client, int clients, TimeSpan maxDuration)
    {
        var traffic = new Traffic(client);
        var deadline = DateTime.UtcNow + maxDuration;
        for (var id = 0; id < clients; id++)
        {
            var worker = id;
            traffic._tasks.Add(Task.Run(() => traffic.RunAsync(worker, deadline)));
        }
        return traffic;
    }

    public long Ok => Interlocked.Read(ref _ok);
    public long Failed => Interlocked.Read(ref _failed);
    public long Streams => Interlocked.Read(ref _stream);
    public IReadOnlyDictionary<string, int> Versions => _versions;
    public IReadOnlyList<string> ErrorExamples => _errors.Take(10).ToList();

    public IReadOnlyList<double> Latencies
    {
        get { lock (_gate) return _latencies.ToList(); }
    }

    /// <summary>Counts a result of a request sent outside the client tasks (the version probe) in the same totals.</summary>
    public void Record(RequestResult r, bool stream)
    {
        if (r.Ok)
        {
            Interlocked.Increment(ref _ok);
            _versions.AddOrUpdate(r.Version!, 1, (_, n) => n + 1);
        }
        else
        {
            Interlocked.Increment(ref _failed);
            if (_errors.Count < 50) _errors.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {r.Error}");
        }
        if (stream) Interlocked.Increment(ref _stream);
        lock (_gate) _latencies.Add(r.Milliseconds);
    }

    public async Task StopAsync()
    {
        _stop = true;
        await Task.WhenAll(_tasks);
    }

    private async Task RunAsync(int id, DateTime deadline)
    {
        for (var i = 0; !_stop && DateTime.UtcNow < deadline; i++)
        {
            var stream = (i + id) % 2 == 0;
            var research = (i / 2 + id) % 2 == 0;
            Record(await _client.ChatAsync(stream, research, CancellationToken.None), stream);
        }
    }
}
