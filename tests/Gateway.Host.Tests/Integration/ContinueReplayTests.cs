using System.Net;
using System.Text.Json.Nodes;
using Gateway.Host.Tests.Infrastructure;

namespace Gateway.Host.Tests.Integration;

/// <summary>Every request of a real Continue CLI session, replayed through the gateway as recorded, must be accepted by the strict simulator.</summary>
public sealed class ContinueReplayTests(DefaultGateway fixture) : IClassFixture<DefaultGateway>
{
    private GatewayFixture Gw => fixture.Gateway;

    [Fact]
    public async Task Replay_ContinueSession_EveryRequestSucceedsUpstream()
    {
        var lines = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "fixtures", "openai", "continue-session-1.jsonl"))
            .Where(l => l.Trim().Length > 0).ToList();
        Assert.NotEmpty(lines);
        Gw.Simulator.ClearRequests();

        var failures = new List<string>();
        foreach (var line in lines)
        {
            var record = JsonNode.Parse(line)!;
            var body = record["body"]!;
            var stream = body["stream"]?.GetValue<bool>() == true;
            using var response = await Gw.PostAsync(record["path"]?.GetValue<string>()?.TrimStart('/') ?? "v1/chat/completions", body);
            var seq = record["seq"]?.ToString();
            if (response.StatusCode != HttpStatusCode.OK)
            {
                failures.Add($"seq {seq}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                continue;
            }
            if (stream)
            {
                var sse = await SseStream.ReadAsync(response);
                if (sse.Data.Count == 0 || sse.Data[^1] != "[DONE]" || sse.Raw.Contains("\"error\"", StringComparison.Ordinal))
                    failures.Add($"seq {seq}: stream did not end cleanly: {sse.Raw[^Math.Min(600, sse.Raw.Length)..]}");
            }
            else
            {
                await response.JsonAsync();
            }
        }

        var upstream = Gw.Simulator.Requests.Where(r => r.Path.EndsWith("/v1/messages", StringComparison.Ordinal)).ToList();
        foreach (var r in upstream.Where(r => r.Status >= 400))
            failures.Add($"upstream {r.Status}: {r.Body[..Math.Min(400, r.Body.Length)]}");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.Equal(lines.Count, upstream.Count);
    }
}
