using Gateway.Policy.Tokens;
using Gateway.Economy.Prompt;
using Xunit.Abstractions;
using static Gateway.Economy.Tests.Prompt.EconomyTestKit;

namespace Gateway.Economy.Tests.Prompt;

/// <summary>
/// The agent-loop property on real Continue sessions: each recorded request, translated by the Core translator and
/// planned, is sent to the strict simulator; from the second request on, the whole previous prompt is read from cache
/// (and only the new turn written), and over a session at least 80% of the prompt is read. A fixed per-request share
/// is not a property of caching: a request whose new tool result is half of the prompt (explain-streaming #6 reads a
/// large C# file) can at best read the other half.
/// </summary>
public sealed class SessionReplayTests(ITestOutputHelper output)
{
    public static TheoryData<string, bool> Cases()
    {
        var data = new TheoryData<string, bool>();
        foreach (var s in EconomyTestKit.Sessions)
        {
            data.Add(s, true);
            data.Add(s, false);
        }
        return data;
    }

    /// <param name="rememberPrefixes">true: one store for the session (prefix hashes tracked); false: a fresh store per
    /// request (a restart or another replica every time): the previous-turn breakpoint alone must still read.</param>
    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Every_request_after_the_first_reads_most_of_its_prompt_from_cache(string session, bool rememberPrefixes)
    {
        var requests = LoadSession(session);
        Assert.True(requests.Count >= 8);
        await using var sim = await SimulatorClient.StartAsync();
        var store = new InMemoryPrefixHashStore();
        long read = 0, total = 0, previousTotal = 0;
        double cost = 0, baseline = 0; // in base-input-token units: reads 0.1x, 5m writes 1.25x, uncached 1x
        var shares = new List<double>();
        for (var k = 0; k < requests.Count; k++)
        {
            var previousSystem = k > 0 ? requests[k - 1].System?.Select(b => b.Text).ToList() : null;
            var planner = new PromptCachePlanner(rememberPrefixes ? store : new InMemoryPrefixHashStore(), TiktokenEstimator.Instance);
            var plan = await planner.ApplyAsync(requests[k], Sonnet, new CacheSettings(), "default:test");
            var usage = await sim.SendAsync(requests[k], "key-" + session);
            output.WriteLine($"{k + 1,2}: total={usage.Total,6} read={usage.CacheRead,6} write={usage.CacheCreation,6} uncached={usage.Input,5} share={usage.ReadShare:P0} plan[{plan}] {string.Join(' ', plan.Breakpoints.Select(b => $"{b.Role}@{b.Location}"))}");
            Assert.True(usage.Status == 200, $"request {k + 1} rejected: {usage.Body}");
            Assert.True(plan.Breakpoints.Count <= PromptCachePlanner.MaxBreakpoints);
            cost += usage.Input + 1.25 * usage.CacheCreation + 0.1 * usage.CacheRead;
            baseline += usage.Total;
            if (k > 0)
            {
                read += usage.CacheRead;
                total += usage.Total;
                shares.Add(usage.ReadShare);
                if (PrefixChanged(session, k))
                {
                    // The exception is real: the system prompt changed, so only the tools can be read.
                    Assert.NotEqual(previousSystem, requests[k].System?.Select(b => b.Text).ToList());
                    Assert.True(usage.CacheRead > 0, $"request {k + 1}: the tools prefix should still be read");
                }
                else
                {
                    // The agent-loop property: the whole previous prompt (everything request k wrote) is read by request k+1,
                    // whatever the number of blocks in between; only the new turn is written.
                    Assert.True(usage.CacheRead >= previousTotal, $"request {k + 1}: read {usage.CacheRead}, previous prompt {previousTotal}");
                    // Nothing is left uncached: what is not read is written for the next request.
                    Assert.Equal(0, usage.Input);
                    if (rememberPrefixes) Assert.True(plan.PreviousPrefixSeen, $"request {k + 1}: previous prefix not seen");
                }
            }
            previousTotal = usage.Total;
        }
        var share = (double)read / total;
        output.WriteLine($"requests 2..{requests.Count}: {read} of {total} prompt tokens read from cache ({share:P1}); per request min {shares.Min():P0}, median {shares.Order().ElementAt(shares.Count / 2):P0}; {shares.Count(s => s >= 0.70)} of {shares.Count} at >= 70%; effective input cost of the whole session {cost / baseline:P1} of uncached ({1 - cost / baseline:P1} reduction)");
        Assert.True(share >= 0.80, $"session read share {share:P1}");
    }

    /// <summary>Where the session's own prefix truly changed: cn re-reads git status into the system prompt on resume.</summary>
    private static bool PrefixChanged(string session, int index) =>
        (session.EndsWith("continue-feature-csv-two-turns.jsonl") && index == 6) ||
        (session.EndsWith("continue-feature-coupon-long.jsonl") && index == 21);
}
