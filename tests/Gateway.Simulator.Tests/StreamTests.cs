using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using static Gateway.Simulator.Tests.Sim;

namespace Gateway.Simulator.Tests;

/// <summary>The SSE event sequence matches the real API's, event by event.</summary>
public sealed class StreamTests(SimulatorFixture sim) : IClassFixture<SimulatorFixture>
{
    private const string Tools = "'tools':[{'name':'get_weather','input_schema':{'type':'object'}},{'name':'get_time','input_schema':{'type':'object'}}]";

    private async Task<(HttpResponseMessage Response, List<SseEvent> Events)> StreamAsync(string body)
    {
        var (status, text, response) = await PostAsync(sim.Http, body);
        Assert.True(status == 200, text);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        return (response, SseEvent.Parse(text));
    }

    [Fact]
    public async Task Stream_Text_ExactEventSequence()
    {
        var (_, events) = await StreamAsync(Body(User("Tell me a story about a brave little simulator"), "'stream':true"));
        var names = events.Select(e => e.Name).ToList();
        Assert.Equal("message_start", names[0]);
        Assert.Equal("content_block_start", names[1]);
        Assert.Equal("ping", names[2]);
        Assert.Equal(["content_block_stop", "message_delta", "message_stop"], names[^3..]);
        var deltas = events.Where(e => e.Name == "content_block_delta").ToList();
        Assert.True(deltas.Count >= 3, "text arrives in several deltas");
        Assert.Equal(names.Count, 2 + 1 + deltas.Count + 3);

        var start = events[0].Data.GetProperty("message");
        Assert.Empty(start.GetProperty("content").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, start.GetProperty("stop_reason").ValueKind);
        var inputTokens = start.GetProperty("usage").GetProperty("input_tokens").GetInt32();
        Assert.True(inputTokens > 0);

        var text = string.Concat(deltas.Select(d => d.Data.GetProperty("delta").GetProperty("text").GetString()));
        Assert.Equal("Simulated answer to: Tell me a story about a brave little simulator", text);
        Assert.All(deltas, d => Assert.Equal("text_delta", d.Data.GetProperty("delta").GetProperty("type").GetString()));

        var messageDelta = events[^2].Data;
        Assert.Equal("end_turn", messageDelta.GetProperty("delta").GetProperty("stop_reason").GetString());
        Assert.True(messageDelta.GetProperty("usage").GetProperty("output_tokens").GetInt32() > 1);
        Assert.Equal(inputTokens, messageDelta.GetProperty("usage").GetProperty("input_tokens").GetInt32());
    }

    [Fact]
    public async Task Stream_StreamedAndUnary_AgreeOnContent()
    {
        var body = "Compare me [[sim:text 'Preface.']] [[sim:tool get_weather {'city':'Paris'}]]";
        var unary = await OkAsync(sim.Http, Body(User(body), Tools));
        var (_, events) = await StreamAsync(Body(User(body), Tools + ",'stream':true"));
        var folded = Fold(events);
        Assert.Equal(unary.GetProperty("content").GetArrayLength(), folded.Count);
        Assert.Equal("Preface.", folded[0]);
        Assert.Equal(unary.GetProperty("content")[1].GetProperty("input").GetRawText(), folded[1]);
    }

    [Fact]
    public async Task Stream_ParallelTools_InputJsonPiecesConcatenateToValidJson()
    {
        var (_, events) = await StreamAsync(Body(User("Both [[sim:tool get_weather {'city':'S\u00e3o Paulo','days':[1,2,3],'opts':{'unit':'C'}}]] [[sim:tool get_time {'tz':'Europe/Paris'}]]"), Tools + ",'stream':true"));
        var starts = events.Where(e => e.Name == "content_block_start").Select(e => e.Data.GetProperty("content_block")).ToList();
        Assert.Equal(["tool_use", "tool_use"], starts.Select(s => s.GetProperty("type").GetString()));
        Assert.All(starts, s => Assert.StartsWith("toolu_", s.GetProperty("id").GetString()));
        Assert.All(starts, s => Assert.Equal("{}", s.GetProperty("input").GetRawText()));

        for (var index = 0; index < 2; index++)
        {
            var pieces = events.Where(e => e.Name == "content_block_delta" && e.Data.GetProperty("index").GetInt32() == index)
                .Select(e => e.Data.GetProperty("delta")).ToList();
            Assert.All(pieces, p => Assert.Equal("input_json_delta", p.GetProperty("type").GetString()));
            Assert.Equal("", pieces[0].GetProperty("partial_json").GetString());
            Assert.True(pieces.Count > 3, "input JSON is split into several pieces");
            var json = string.Concat(pieces.Select(p => p.GetProperty("partial_json").GetString()));
            using var doc = JsonDocument.Parse(json);
            Assert.Equal(JsonValueKind.Object, doc.RootElement.ValueKind);
        }
        Assert.Equal("tool_use", events[^2].Data.GetProperty("delta").GetProperty("stop_reason").GetString());
        Assert.Single(events, e => e.Name == "ping");
    }

    [Fact]
    public async Task Stream_Thinking_DeltasThenSignatureDelta()
    {
        var (_, events) = await StreamAsync(Body(User("Think hard [[sim:thinking]]"), "'stream':true,'thinking':{'type':'enabled','budget_tokens':1024}", maxTokens: 4096));
        var first = events.First(e => e.Name == "content_block_start").Data.GetProperty("content_block");
        Assert.Equal("thinking", first.GetProperty("type").GetString());
        var block0 = events.Where(e => e.Name == "content_block_delta" && e.Data.GetProperty("index").GetInt32() == 0).Select(e => e.Data.GetProperty("delta")).ToList();
        Assert.Equal("signature_delta", block0[^1].GetProperty("type").GetString());
        Assert.All(block0[..^1], d => Assert.Equal("thinking_delta", d.GetProperty("type").GetString()));
        Assert.Contains(events, e => e.Name == "content_block_start" && e.Data.GetProperty("index").GetInt32() == 1);
    }

    [Fact]
    public async Task Stream_MidStreamError_SendsErrorEventAndCloses()
    {
        var (_, events) = await StreamAsync(Body(User("Start then fail please now [[sim:stream-error overloaded_error]]"), "'stream':true"));
        Assert.Equal("message_start", events[0].Name);
        Assert.Contains(events, e => e.Name == "content_block_delta");
        var last = events[^1];
        Assert.Equal("error", last.Name);
        Assert.Equal("overloaded_error", last.Data.GetProperty("error").GetProperty("type").GetString());
        Assert.DoesNotContain(events, e => e.Name == "message_stop");
    }

    [Fact]
    public async Task Stream_ClientDisconnects_DuringSlowStream_ServerStops()
    {
        var content = new StringContent(Body(User("slow one two three four five six seven eight nine ten [[sim:slow 2000]]"), "'stream':true"), Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages") { Content = content };
        // No draining: SocketsHttpHandler would otherwise keep reading an abandoned response for up to 2 s to reuse the connection.
        using var http = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0, ResponseDrainTimeout = TimeSpan.Zero }) { BaseAddress = sim.Server.BaseUrl };
        http.DefaultRequestHeaders.Add("x-api-key", "k");
        http.DefaultRequestHeaders.Add("anthropic-version", "2023-06-01");
        var sw = Stopwatch.StartNew();
        using (var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        {
            using var stream = await response.Content.ReadAsStreamAsync();
            var buffer = new byte[64];
            Assert.True(await stream.ReadAsync(buffer) > 0);
        }
        // Read to the end the stream would take ~20 s; the handler must notice the disconnect and finish early (the bound leaves
        // a loaded CI machine time to deliver the disconnect and record the request, and is still far from the full stream).
        while (!sim.Server.Requests.Any(r => r.Body.Contains("slow one two", StringComparison.Ordinal)) && sw.ElapsedMilliseconds < 10_000)
            await Task.Delay(50);
        Assert.True(sw.ElapsedMilliseconds < 10_000, "server kept streaming after the client left");
    }

    private static List<string> Fold(List<SseEvent> events)
    {
        var blocks = new List<StringBuilder>();
        foreach (var e in events)
        {
            if (e.Name == "content_block_start") blocks.Add(new StringBuilder());
            if (e.Name != "content_block_delta") continue;
            var d = e.Data.GetProperty("delta");
            var piece = d.GetProperty("type").GetString() switch
            {
                "text_delta" => d.GetProperty("text").GetString(),
                "input_json_delta" => d.GetProperty("partial_json").GetString(),
                _ => "",
            };
            blocks[e.Data.GetProperty("index").GetInt32()].Append(piece);
        }
        return blocks.Select(b => b.ToString()).ToList();
    }
}
