using System.Buffers;
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
        _client = NewClient(concurrency, TimeSpan.FromSeconds(30));
    }

    /// <summary>One pooled HTTP/1.1 client for loopback load: <paramref name="connections"/> connections kept open, nothing automatic.</summary>
    public static HttpClient NewClient(int connections, TimeSpan timeout) => new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = connections,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10),
        AutomaticDecompression = DecompressionMethods.None,
        UseProxy = false,
        UseCookies = false,
    })
    { Timeout = timeout };

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
                    var start = Stopwatch.GetTimestamp();
                    var outcome = await SendAsync(_client, into.Scenario, buffer, null, ct);
                    if (outcome.Error is { } error) into.Fail(error);
                    else into.Add(outcome.End - start, outcome.FirstByte - start);
                }
            }, ct);
        }
        await Task.WhenAll(workers);
        into.Elapsed += clock.Elapsed;
    }

    /// <summary>What one request came to: Stopwatch timestamps of the first and last body byte, or why it does not count.</summary>
    public readonly record struct Outcome(long Sent, long FirstByte, long End, string? Error);

    /// <summary>
    /// Sends one request of <paramref name="scenario"/> and reads its body whole (keeping only a tail window in
    /// <paramref name="buffer"/>, a rented one when null). Error is set unless the answer is 200 and holds the completion marker.
    /// <paramref name="onFirstByte"/> runs once when the first body bytes arrive.
    /// </summary>
    public static async Task<Outcome> SendAsync(HttpClient client, Scenario scenario, byte[]? buffer, Action? onFirstByte, CancellationToken ct)
    {
        var rented = buffer is null ? ArrayPool<byte>.Shared.Rent(BodyWindow) : null;
        buffer ??= rented!;
        var sent = Stopwatch.GetTimestamp();
        try
        {
            using var request = scenario.NewRequest();
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            await using var body = await response.Content.ReadAsStreamAsync(ct);
            long firstByte = 0;
            var length = 0;
            int n;
            while ((n = await body.ReadAsync(buffer.AsMemory(length, BodyWindow - length), ct)) > 0)
            {
                if (firstByte == 0)
                {
                    firstByte = Stopwatch.GetTimestamp();
                    onFirstByte?.Invoke();
                }
                length += n;
                if (length > BodyWindow - 4096)
                {
                    // Keep the tail only: the completion marker is at the end.
                    buffer.AsSpan(length - 1024, 1024).CopyTo(buffer);
                    length = 1024;
                }
            }
            var end = Stopwatch.GetTimestamp();

            if (response.StatusCode != HttpStatusCode.OK)
                return new(sent, firstByte, end, $"{(int)response.StatusCode}: {System.Text.Encoding.UTF8.GetString(buffer, 0, Math.Min(length, 300))}");
            if (buffer.AsSpan(0, length).IndexOf(scenario.CompleteMarker) < 0)
                return new(sent, firstByte, end, $"incomplete body ({length} bytes): ...{System.Text.Encoding.UTF8.GetString(buffer, Math.Max(0, length - 200), Math.Min(length, 200))}");
            return new(sent, firstByte, end, null);
        }
        catch (Exception e) when (e is HttpRequestException or IOException || (e is TaskCanceledException && !ct.IsCancellationRequested))
        {
            return new(sent, 0, Stopwatch.GetTimestamp(), $"{e.GetType().Name}: {e.Message}");
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public void Dispose() => _client.Dispose();
}
