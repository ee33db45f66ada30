using System.Diagnostics;
using System.Net;

namespace Gateway.Load;

/// <summary>
/// Sends a fixed number of requests with a fixed number of workers over one pooled client, and records for
/// each: latency to the last body byte and, for streams, time to the first body byte (the first SSE event).
/// Bodies are read whole and checked for their completion marker.
/// </summary>
public sealed class LoadDriver : IDisposable
{
    private const int BodyWindow = 64 * 1024;
    private readonly HttpClient _client;
    private readonly int _concurrency;

    public LoadDriver(int concurrency)
    {
        _concurrency = concurrency;
        _client = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = concurrency,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10),
            AutomaticDecompression = DecompressionMethods.None,
            UseProxy = false,
            UseCookies = false,
        })
        { Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>Runs <paramref name="count"/> requests, stopping early when the scenario's time budget is spent.</summary>
    public async Task RunAsync(ScenarioSamples into, int count, TimeSpan budget, CancellationToken ct)
    {
        var remaining = count;
        var clock = Stopwatch.StartNew();
        var left = budget - into.Elapsed;
        var workers = new Task[Math.Min(_concurrency, count)];
        for (var i = 0; i < workers.Length; i++)
        {
            workers[i] = Task.Run(async () =>
            {
                var buffer = new byte[BodyWindow];
                while (Interlocked.Decrement(ref remaining) >= 0 && !ct.IsCancellationRequested)
                {
                    if (clock.Elapsed > left) { into.HitTimeCap = true; break; }
                    await OneAsync(into, buffer, ct);
                }
            }, ct);
        }
        await Task.WhenAll(workers);
        into.Elapsed += clock.Elapsed;
    }

    private async Task OneAsync(ScenarioSamples into, byte[] buffer, CancellationToken ct)
    {
        var scenario = into.Scenario;
        try
        {
            using var request = scenario.NewRequest();
            var start = Stopwatch.GetTimestamp();
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            await using var body = await response.Content.ReadAsStreamAsync(ct);
            long firstByte = 0;
            var length = 0;
            int n;
            while ((n = await body.ReadAsync(buffer.AsMemory(length), ct)) > 0)
            {
                if (firstByte == 0) firstByte = Stopwatch.GetTimestamp() - start;
                length += n;
                if (length > BodyWindow - 4096)
                {
                    // Keep the tail only: the completion marker is at the end.
                    buffer.AsSpan(length - 1024, 1024).CopyTo(buffer);
                    length = 1024;
                }
            }
            var latency = Stopwatch.GetTimestamp() - start;

            if (response.StatusCode != HttpStatusCode.OK)
                into.Fail($"{(int)response.StatusCode}: {System.Text.Encoding.UTF8.GetString(buffer, 0, Math.Min(length, 300))}");
            else if (buffer.AsSpan(0, length).IndexOf(scenario.CompleteMarker) < 0)
                into.Fail($"incomplete body ({length} bytes): ...{System.Text.Encoding.UTF8.GetString(buffer, Math.Max(0, length - 200), Math.Min(length, 200))}");
            else
                into.Add(latency, firstByte);
        }
        catch (Exception e) when (e is HttpRequestException or IOException || (e is TaskCanceledException && !ct.IsCancellationRequested))
        {
            into.Fail($"{e.GetType().Name}: {e.Message}");
        }
    }

    public void Dispose() => _client.Dispose();
}
