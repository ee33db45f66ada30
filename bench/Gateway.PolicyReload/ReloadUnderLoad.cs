using System.Diagnostics;

namespace Gateway.PolicyReload;

/// <summary>
/// Phase 1: reloads under load. While client tasks send requests, alternate a valid edit (script constant + YAML value)
/// and a broken edit (rotating: invalid YAML, unknown key, script using System.IO), saved as files: the gateway's watcher
/// (events debounced 250 ms, polling every POLICY_POLL_MS) must pick them up.
/// <list type="number">
/// <item>After a valid save: a probe request every ~20 ms until a response carries the new X-Policy-Version (computed from
/// the files): "active after save".</item>
/// <item>After a broken save: probes every ~20 ms must keep carrying the old version, and <c>GET /admin/policies</c> must
/// report the error (last_reload_error, version unchanged) — watched for at least 400 ms and until the error shows.</item>
/// </list>
/// </summary>
public sealed class ReloadUnderLoad(GatewayClient client, PolicyWorkspace policies, ReloadOptions options)
{
    private static readonly TimeSpan ProbeEvery = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan ValidTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan BrokenTimeout = TimeSpan.FromSeconds(5);

    public sealed record BrokenSave(int Index, string Kind, double? ErrorShownMs, int Probes, int OldVersionProbes, string? FirstError);

    public sealed record Result(
        int Clients, double Seconds, long Ok, long Failed, long Streams, IReadOnlyList<string> FailureExamples,
        IReadOnlyList<double> RequestLatencies, IReadOnlyList<double?> ActiveAfterSaveMs, IReadOnlyList<BrokenSave> Broken,
        int ProbeRequests, IReadOnlyList<string> UnexpectedVersions, IReadOnlyDictionary<string, int> Versions);

    public async Task<Result> RunAsync(string initialVersion, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var traffic = Traffic.Start(client, options.Clients, TimeSpan.FromMinutes(options.MaxMinutes));
        var active = new List<double?>();
        var broken = new List<BrokenSave>();
        var finals = new HashSet<string>(StringComparer.Ordinal) { initialVersion };
        var current = initialVersion;
        var probes = 0;
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(2), ct); // clients running before the first save
            for (var k = 0; k < options.Reloads; k++)
            {
                var revision = k / 2 + 1;
                if (k % 2 == 0)
                {
                    policies.WriteValid(revision, 40 + revision);
                    var saved = Stopwatch.StartNew();
                    var expected = policies.ExpectedVersion();
                    finals.Add(expected);
                    double? ms = null;
                    while (saved.Elapsed < ValidTimeout)
                    {
                        var tick = Stopwatch.StartNew();
                        var r = await client.ChatAsync(stream: false, research: probes % 2 == 0, ct);
                        traffic.Record(r, false);
                        probes++;
                        if (r.Version == expected) { ms = saved.Elapsed.TotalMilliseconds; break; }
                        if (tick.Elapsed < ProbeEvery) await Task.Delay(ProbeEvery - tick.Elapsed, ct);
                    }
                    active.Add(ms);
                    Console.WriteLine($"  reload {k + 1,3}/{options.Reloads} valid   {current} -> {expected}: " + (ms is { } m ? $"active after {m:0} ms" : "NOT active within 10 s"));
                    current = expected;
                }
                else
                {
                    var kind = (k / 2) % PolicyWorkspace.BrokenKinds.Length;
                    policies.WriteBroken(kind);
                    var saved = Stopwatch.StartNew();
                    double? shown = null;
                    string? firstError = null;
                    int n = 0, old = 0;
                    while (saved.Elapsed < BrokenTimeout && (shown is null || saved.Elapsed < TimeSpan.FromMilliseconds(400)))
                    {
                        var tick = Stopwatch.StartNew();
                        var r = await client.ChatAsync(stream: n % 2 == 1, research: n % 4 < 2, ct);
                        traffic.Record(r, n % 2 == 1);
                        n++;
                        probes++;
                        if (r.Version == current) old++;
                        if (shown is null)
                        {
                            var admin = await client.AdminStateAsync(ct);
                            if (admin.ErrorAt is not null && admin.Errors.Count > 0 && admin.Version == current)
                            {
                                shown = saved.Elapsed.TotalMilliseconds;
                                firstError = admin.Errors[0];
                            }
                        }
                        if (tick.Elapsed < ProbeEvery) await Task.Delay(ProbeEvery - tick.Elapsed, ct);
                    }
                    broken.Add(new BrokenSave(k + 1, PolicyWorkspace.BrokenKinds[kind], shown, n, old, firstError));
                    Console.WriteLine($"  reload {k + 1,3}/{options.Reloads} broken  ({PolicyWorkspace.BrokenKinds[kind]}): " +
                        (shown is { } s ? $"error on /admin/policies after {s:0} ms" : "error NOT shown within 5 s") +
                        $", {old}/{n} probes on {current}" + (firstError is null ? "" : $" — {Shorten(firstError)}"));
                }
            }
        }
        finally
        {
            await traffic.StopAsync();
        }
        var unexpected = traffic.Versions.Keys.Where(v => !finals.Contains(v)).Select(v => $"{v} ({traffic.Versions[v]} responses)").ToList();
        return new Result(options.Clients, clock.Elapsed.TotalSeconds, traffic.Ok, traffic.Failed, traffic.Streams, traffic.ErrorExamples,
            traffic.Latencies, active, broken, probes, unexpected, traffic.Versions);
    }

    private static string Shorten(string s) => s.Length <= 140 ? s : s[..140] + "…";
}
