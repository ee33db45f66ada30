using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Host.Tests.Infrastructure;

namespace Gateway.Host.Tests.Integration;

/// <summary>SSE streaming over real loopback HTTP: chunk order, deltas, finish reason, usage chunk, [DONE], streamed tool calls.</summary>
public sealed class StreamingTests(DefaultGateway fixture) : IClassFixture<DefaultGateway>
{
    private GatewayFixture Gw => fixture.Gateway;

    [Theory]
    [InlineData("v1/chat/completions", "claude-sonnet-4-5")]
    [InlineData("chat/completions", "gpt-4o")]
    public async Task Stream_Text_ChunksConcatenateToTheAnswer(string path, string model)
    {
        var question = $"Stream me an answer please {model}";
        // The non-stream answer is the reference for what the deltas must add up to.
        using var plain = await Gw.PostAsync(path, Http.Chat(question, model: model));
        var expected = (await plain.JsonAsync()).GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString();

        using var response = await Gw.PostAsync(path, Http.Chat(question, stream: true, model: model));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(model == "gpt-4o" ? "alias" : "requested", response.Header("X-Model-Source"));
        Assert.StartsWith("claude-gateway/", response.Header("X-Gateway"));
        var sse = await SseStream.ReadAsync(response);

        Assert.Equal("[DONE]", sse.Data[^1]);
        Assert.Single(sse.Data, d => d == "[DONE]");
        var chunks = sse.Chunks;
        Assert.Equal(sse.Data.Count - 1, chunks.Count);
        var id = chunks[0].GetProperty("id").GetString();
        foreach (var c in chunks)
        {
            Assert.Equal("chat.completion.chunk", c.GetProperty("object").GetString());
            Assert.Equal(id, c.GetProperty("id").GetString());
            Assert.Equal(JsonValueKind.Number, c.GetProperty("created").ValueKind);
            Assert.False(string.IsNullOrEmpty(c.GetProperty("model").GetString()));
        }
        Assert.Equal("assistant", sse.ChoiceChunks[0].GetProperty("choices")[0].GetProperty("delta").GetProperty("role").GetString());
        Assert.Equal(expected, sse.Content);
        Assert.Contains("Simulated answer to:", sse.Content);

        var finishes = sse.ChoiceChunks.Select(c => c.GetProperty("choices")[0])
            .Where(ch => ch.TryGetProperty("finish_reason", out var f) && f.ValueKind == JsonValueKind.String).ToList();
        var finish = Assert.Single(finishes);
        Assert.Equal("stop", finish.GetProperty("finish_reason").GetString());
        Assert.Equal(finish.ToString(), sse.ChoiceChunks[^1].GetProperty("choices")[0].ToString());
        // No include_usage asked: no usage-only chunk.
        Assert.DoesNotContain(chunks, c => c.GetProperty("choices").GetArrayLength() == 0);
    }

    /// <summary>
    /// Per-event flush through the host, without a latency assertion: the simulator waits before every event after message_start
    /// (<c>[[sim:slow]]</c>) and records a stream only once it has ended. The first content chunk must reach the client while the
    /// simulator has not recorded the request yet, i.e. while it still holds the rest of the answer; then the rest follows.
    /// </summary>
    [Fact]
    public async Task Stream_FirstContentChunk_ReachesTheClient_WhileTheUpstreamStillHoldsTheRest()
    {
        var marker = $"flush-{Guid.NewGuid():N}";
        var words = string.Join(" ", Enumerable.Range(1, 24).Select(i => $"w{i}"));
        // 24 words: 8 text deltas of 3 words. 400 ms before each event: the first delta leaves after ~1.2 s, the remaining 7 deltas,
        // the block stop, message_delta and message_stop take ~4 s more; the check below runs right after the first delta arrived.
        var body = Http.Chat($"{marker} Stream slowly [[sim:text \"{words}\"]] [[sim:slow 400]]", stream: true);
        int UpstreamStreamsEnded() => Gw.Simulator.Requests.Count(r =>
            r.Path.EndsWith("/v1/messages", StringComparison.Ordinal) && r.Body.Contains(marker, StringComparison.Ordinal));

        using var cts = new CancellationTokenSource(Http.Deadline);
        using var response = await Gw.Client.SendAsync(Gw.Post("v1/chat/completions", body.ToJsonString()), HttpCompletionOption.ResponseHeadersRead, cts.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));

        static string? Content(string line)
        {
            if (!line.StartsWith("data: {", StringComparison.Ordinal)) return null;
            var choices = JsonDocument.Parse(line["data: ".Length..]).RootElement.GetProperty("choices");
            return choices.GetArrayLength() == 1 && choices[0].GetProperty("delta").TryGetProperty("content", out var c) && c.GetString() is { Length: > 0 } text ? text : null;
        }

        string? first = null;
        while (first is null && await reader.ReadLineAsync(cts.Token) is { } line) first = Content(line);
        Assert.NotNull(first);
        Assert.Equal(0, UpstreamStreamsEnded()); // the simulator has not sent message_stop yet
        Assert.StartsWith("w1 ", first);
        Assert.True(first.Length < words.Length, first);

        // The rest arrives afterwards, and the deltas add up to the whole answer.
        var all = new StringBuilder(first);
        string? last = null;
        while (await reader.ReadLineAsync(cts.Token) is { } line)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal)) last = line;
            all.Append(Content(line));
        }
        Assert.Equal("data: [DONE]", last);
        Assert.Equal(words, all.ToString().Trim());
        var until = DateTime.UtcNow.AddSeconds(30);
        while (UpstreamStreamsEnded() == 0 && DateTime.UtcNow < until) await Task.Delay(20, cts.Token);
        Assert.Equal(1, UpstreamStreamsEnded());
    }

    [Fact]
    public async Task Stream_IncludeUsage_FinalChunkHasUsageAndEmptyChoices()
    {
        var extra = new JsonObject { ["stream_options"] = new JsonObject { ["include_usage"] = true } };
        using var response = await Gw.PostAsync("v1/chat/completions", Http.Chat("usage please", stream: true, extra: extra));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sse = await SseStream.ReadAsync(response);

        Assert.Equal("[DONE]", sse.Data[^1]);
        var last = sse.Chunks[^1];
        Assert.Equal(0, last.GetProperty("choices").GetArrayLength());
        var usage = last.GetProperty("usage");
        var prompt = usage.GetProperty("prompt_tokens").GetInt32();
        var completion = usage.GetProperty("completion_tokens").GetInt32();
        Assert.True(prompt > 0 && completion > 0, usage.ToString());
        Assert.Equal(prompt + completion, usage.GetProperty("total_tokens").GetInt32());
        Assert.Equal(0, usage.GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32());
        // Only the final chunk has usage with a value.
        Assert.Single(sse.Chunks, c => c.TryGetProperty("usage", out var u) && u.ValueKind == JsonValueKind.Object);
    }

    [Fact]
    public async Task Stream_ToolCall_StableIndexIdAndNameFirstArgumentsConcatenate()
    {
        var extra = new JsonObject { ["tools"] = new JsonArray(Http.Tool("get_weather", "city")) };
        using var response = await Gw.PostAsync("v1/chat/completions",
            Http.Chat("""Weather? [[sim:text "Let me check."]] [[sim:tool get_weather {"city":"Paris, \"the\" city of light ✓"}]]""", stream: true, extra: extra));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sse = await SseStream.ReadAsync(response);
        Assert.Equal("[DONE]", sse.Data[^1]);
        Assert.Equal("Let me check.", sse.Content);

        var deltas = sse.ToolCallDeltas;
        Assert.True(deltas.Count >= 2, $"expected the arguments in several deltas: {sse.Raw}");
        Assert.All(deltas, d => Assert.Equal(0, d.GetProperty("index").GetInt32()));
        var first = deltas[0];
        Assert.False(string.IsNullOrEmpty(first.GetProperty("id").GetString()));
        Assert.Equal("function", first.GetProperty("type").GetString());
        Assert.Equal("get_weather", first.GetProperty("function").GetProperty("name").GetString());
        foreach (var later in deltas.Skip(1))
        {
            Assert.False(later.TryGetProperty("id", out var laterId) && laterId.ValueKind == JsonValueKind.String && laterId.GetString() != first.GetProperty("id").GetString(), "id changed mid-call");
        }
        var arguments = string.Concat(deltas.Select(d => d.GetProperty("function").TryGetProperty("arguments", out var a) ? a.GetString() : ""));
        var parsed = JsonDocument.Parse(arguments).RootElement;
        Assert.Equal("Paris, \"the\" city of light ✓", parsed.GetProperty("city").GetString());

        var finish = sse.ChoiceChunks[^1].GetProperty("choices")[0].GetProperty("finish_reason").GetString();
        Assert.Equal("tool_calls", finish);
    }

    [Fact]
    public async Task Stream_ParallelToolCalls_DistinctIndexes()
    {
        var extra = new JsonObject { ["tools"] = new JsonArray(Http.Tool("read_file"), Http.Tool("list_dir")) };
        using var response = await Gw.PostAsync("v1/chat/completions",
            Http.Chat("""Look around [[sim:tool read_file {"path":"README.md"}]] [[sim:tool list_dir {"path":"src"}]] [[sim:tool read_file {"path":"LICENSE"}]]""", stream: true, extra: extra));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sse = await SseStream.ReadAsync(response);
        Assert.Equal("[DONE]", sse.Data[^1]);

        var byIndex = sse.ToolCallDeltas.GroupBy(d => d.GetProperty("index").GetInt32()).OrderBy(g => g.Key).ToList();
        Assert.Equal([0, 1, 2], byIndex.Select(g => g.Key));
        var calls = byIndex.Select(g => new
        {
            Id = g.First().GetProperty("id").GetString(),
            Name = g.First().GetProperty("function").GetProperty("name").GetString(),
            Args = JsonDocument.Parse(string.Concat(g.Select(d => d.GetProperty("function").TryGetProperty("arguments", out var a) ? a.GetString() : ""))).RootElement.GetProperty("path").GetString(),
        }).ToList();
        Assert.Equal(3, calls.Select(c => c.Id).Distinct().Count());
        Assert.Equal(["read_file", "list_dir", "read_file"], calls.Select(c => c.Name));
        Assert.Equal(["README.md", "src", "LICENSE"], calls.Select(c => c.Args));
        Assert.Equal("tool_calls", sse.ChoiceChunks[^1].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task NonStream_ParallelToolCalls_AllReturned()
    {
        var extra = new JsonObject { ["tools"] = new JsonArray(Http.Tool("read_file"), Http.Tool("list_dir")) };
        using var response = await Gw.PostAsync("v1/chat/completions",
            Http.Chat("""Look around [[sim:tool read_file {"path":"README.md"}]] [[sim:tool list_dir {"path":"src"}]]""", extra: extra));
        var body = await response.JsonAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        var choice = body.GetProperty("choices")[0];
        Assert.Equal("tool_calls", choice.GetProperty("finish_reason").GetString());
        var calls = choice.GetProperty("message").GetProperty("tool_calls").EnumerateArray().ToList();
        Assert.Equal(2, calls.Count);
        Assert.Equal("read_file", calls[0].GetProperty("function").GetProperty("name").GetString());
        Assert.Equal("README.md", JsonDocument.Parse(calls[0].GetProperty("function").GetProperty("arguments").GetString()!).RootElement.GetProperty("path").GetString());
        Assert.Equal("list_dir", calls[1].GetProperty("function").GetProperty("name").GetString());
        Assert.NotEqual(calls[0].GetProperty("id").GetString(), calls[1].GetProperty("id").GetString());
    }
}
