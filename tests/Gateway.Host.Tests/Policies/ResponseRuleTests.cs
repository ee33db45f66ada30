using System.Net;
using System.Text.Json.Nodes;
using Gateway.Host.Observability;
using Gateway.Host.Tests.Infrastructure;
using Serilog.Events;

namespace Gateway.Host.Tests.Policies;

/// <summary>
/// Response-stage rules through the host: a rule sees the same answer (text and tool names) whether it was streamed or
/// sent as one JSON document. The rule (fixture <c>response-rules</c>) writes what it saw into the request log's tags.
/// </summary>
public sealed class ResponseRuleTests(ResponseRulesGateway fixture) : IClassFixture<ResponseRulesGateway>
{
    private PolicyGateway P => fixture.Gateway;

    [Fact]
    public async Task ResponseRule_SeesTheSameAnswer_StreamedOrNot()
    {
        var marker = Guid.NewGuid().ToString("N")[..12];
        var text = $"Answer {marker}: héllo 日本語 🎉, two tools follow.";
        var directives = $$"""[[sim:text "{{text}}"]] [[sim:tool get_weather {"city":"Oslo"}]] [[sim:tool read_file {"path":"a.txt"}]]""";

        var json = await TagsSeenAsync(marker, directives, stream: false);
        var streamed = await TagsSeenAsync(marker, directives, stream: true);

        Assert.Equal(text, json["answer_text"]);
        Assert.Equal("get_weather,read_file", json["answer_tools"]);
        Assert.Equal("no", json["answer_truncated"]);
        Assert.Equal(json, streamed);
    }

    /// <summary>Sends one request to the answer-echo profile, reads the whole answer, and returns the tags its response rule set.</summary>
    private async Task<Dictionary<string, string>> TagsSeenAsync(string marker, string directives, bool stream)
    {
        // Distinct user text per mode: the second request must not be a response-cache HIT (response rules do not run on a HIT).
        var body = Http.Chat($"response-rule {marker} stream={stream} {directives}", stream, extra: new JsonObject
        {
            ["tools"] = new JsonArray(Http.Tool("get_weather", "city"), Http.Tool("read_file", "path")),
        });
        var request = P.Gw.Post("v1/chat/completions", body.ToJsonString());
        request.Headers.TryAddWithoutValidation("X-Gateway-Profile", "answer-echo");
        using (var response = await P.Gw.SendAsync(request))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("answer-echo", response.Header("X-Profile"));
            if (stream) Assert.Equal("[DONE]", (await SseStream.ReadAsync(response, Http.Deadline)).Data[^1]);
            else await response.JsonAsync();
        }

        // The request summary is written when the response has ended: poll for it.
        var deadline = DateTime.UtcNow + Http.Deadline;
        while (DateTime.UtcNow < deadline)
        {
            if (P.Gw.Logs.Events.Where(e => e.MessageTemplate.Text == GatewayLogging.SummaryTemplate && IsStream(e) == stream)
                    .Select(Tags).FirstOrDefault(t => t.TryGetValue("answer_text", out var seen) && seen.Contains(marker, StringComparison.Ordinal)) is { } tags)
                return tags;
            await Task.Delay(50);
        }
        throw new Xunit.Sdk.XunitException($"no request summary with the response rule's tags (stream={stream}):\n{P.Gw.Logs.AllText()}");
    }

    private static bool IsStream(LogEvent e) => e.Properties.TryGetValue("Stream", out var v) && v is ScalarValue { Value: true };

    private static Dictionary<string, string> Tags(LogEvent e) =>
        e.Properties.TryGetValue("PolicyTags", out var v) && v is DictionaryValue tags
            ? tags.Elements.ToDictionary(kv => kv.Key.Value?.ToString() ?? "", kv => (kv.Value as ScalarValue)?.Value?.ToString() ?? "")
            : [];
}
