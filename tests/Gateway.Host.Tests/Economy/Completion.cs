using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Gateway.Host.Tests.Infrastructure;

namespace Gateway.Host.Tests.Economy;

/// <summary>
/// One completion as the client saw it, read to the end: status, the economy headers, the answer text, finish reason and usage
/// (the JSON body's, or the stream's include_usage chunk), and the stream itself when it was one.
/// </summary>
public sealed record Completion(
    int Status,
    string? Cache,
    string? Reduction,
    string? ContextPruned,
    string Content,
    string? FinishReason,
    JsonElement? Usage,
    SseStream? Stream,
    string Raw)
{
    public int PromptTokens => Usage?.GetProperty("prompt_tokens").GetInt32() ?? -1;
    public int CompletionTokens => Usage?.GetProperty("completion_tokens").GetInt32() ?? -1;
    public int TotalTokens => Usage?.GetProperty("total_tokens").GetInt32() ?? -1;
    public int CachedTokens => Usage?.GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32() ?? -1;

    /// <summary><c>X-Reduction: 71%; before=48210; after=13980</c>.</summary>
    public static readonly Regex ReductionPattern = new(@"^(\d+)%; before=(\d+); after=(\d+)$");

    /// <summary>Sends <paramref name="body"/> and reads the whole answer (bounded by <paramref name="timeout"/>).</summary>
    public static async Task<Completion> SendAsync(GatewayFixture gw, JsonNode body, IDictionary<string, string>? headers = null, TimeSpan? timeout = null)
    {
        var request = gw.Post("v1/chat/completions", body.ToJsonString());
        foreach (var (name, value) in headers ?? new Dictionary<string, string>()) request.Headers.Add(name, value);
        using var cts = new CancellationTokenSource(timeout ?? Http.Deadline);
        using var response = await gw.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        var raw = await response.Content.ReadAsStringAsync(cts.Token);
        var status = (int)response.StatusCode;
        var (cache, reduction, pruned) = (response.Header("X-Cache"), response.Header("X-Reduction"), response.Header("X-Context-Pruned"));
        if (status != 200) return new Completion(status, cache, reduction, pruned, "", null, null, null, raw);

        if (response.Content.Headers.ContentType?.MediaType == "text/event-stream")
        {
            var sse = SseStream.Parse(raw);
            var finish = sse.ChoiceChunks.Select(c => c.GetProperty("choices")[0])
                .Where(ch => ch.TryGetProperty("finish_reason", out var f) && f.ValueKind == JsonValueKind.String)
                .Select(ch => ch.GetProperty("finish_reason").GetString()).LastOrDefault();
            JsonElement? usage = sse.Chunks.Where(c => c.TryGetProperty("usage", out var u) && u.ValueKind == JsonValueKind.Object)
                .Select(c => (JsonElement?)c.GetProperty("usage")).LastOrDefault();
            return new Completion(status, cache, reduction, pruned, sse.Content, finish, usage, sse, raw);
        }

        var json = JsonDocument.Parse(raw).RootElement.Clone();
        var choice = json.GetProperty("choices")[0];
        var content = choice.GetProperty("message").TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString()! : "";
        return new Completion(status, cache, reduction, pruned, content, choice.GetProperty("finish_reason").GetString(),
            json.TryGetProperty("usage", out var usageJson) ? usageJson : null, null, raw);
    }

    /// <summary>A chat request for the response cache: one user message, temperature 0 unless told otherwise.</summary>
    public static JsonObject Request(string text, bool stream = false, double? temperature = 0, bool includeUsage = true, JsonArray? tools = null)
    {
        var extra = new JsonObject();
        if (temperature is { } t) extra["temperature"] = t;
        if (stream && includeUsage) extra["stream_options"] = new JsonObject { ["include_usage"] = true };
        if (tools is not null) extra["tools"] = tools.DeepClone();
        return Http.Chat(text, stream, extra: extra);
    }

    /// <summary>Upstream calls whose body contains <paramref name="marker"/>.</summary>
    public static int UpstreamCalls(GatewayFixture gw, string marker) =>
        gw.Simulator.Requests.Count(r => r.Path.EndsWith("/v1/messages", StringComparison.Ordinal) && r.Body.Contains(marker, StringComparison.Ordinal));

    /// <summary>200, and <c>X-Reduction</c> well-formed (after ≤ before).</summary>
    public void AssertOk()
    {
        Assert.True(Status == 200, $"status {Status}: {Raw[..Math.Min(800, Raw.Length)]}");
        Assert.NotNull(Reduction);
        var m = ReductionPattern.Match(Reduction!);
        Assert.True(m.Success, $"X-Reduction: {Reduction}");
        Assert.True(int.Parse(m.Groups[3].Value) <= int.Parse(m.Groups[2].Value), $"X-Reduction: {Reduction}");
    }

    /// <summary>Usage states nothing was billed: every count zero.</summary>
    public void AssertZeroUsage()
    {
        Assert.NotNull(Usage);
        Assert.True(PromptTokens == 0 && CompletionTokens == 0 && TotalTokens == 0 && CachedTokens == 0, $"usage on a HIT: {Usage}");
    }

    /// <summary>
    /// A valid OpenAI stream: every payload a <c>chat.completion.chunk</c> of one id and model; the role chunk first; then content;
    /// exactly one finish chunk, the last chunk with a choice; then the usage chunk (<c>choices: []</c>) exactly when include_usage was
    /// asked for; <c>[DONE]</c> once, last.
    /// </summary>
    public void AssertValidStream(bool includeUsage)
    {
        var sse = Stream ?? throw new Xunit.Sdk.XunitException("not a stream: " + Raw[..Math.Min(400, Raw.Length)]);
        Assert.Equal("[DONE]", sse.Data[^1]);
        Assert.Single(sse.Data, d => d == "[DONE]");
        var chunks = sse.Chunks;
        Assert.Equal(sse.Data.Count - 1, chunks.Count);
        var id = chunks[0].GetProperty("id").GetString();
        Assert.StartsWith("chatcmpl-", id);
        var model = chunks[0].GetProperty("model").GetString();
        foreach (var c in chunks)
        {
            Assert.Equal("chat.completion.chunk", c.GetProperty("object").GetString());
            Assert.Equal(id, c.GetProperty("id").GetString());
            Assert.Equal(model, c.GetProperty("model").GetString());
        }
        var choices = sse.ChoiceChunks;
        Assert.Equal("assistant", choices[0].GetProperty("choices")[0].GetProperty("delta").GetProperty("role").GetString());
        var finishes = choices.Where(c => c.GetProperty("choices")[0].TryGetProperty("finish_reason", out var f) && f.ValueKind == JsonValueKind.String).ToList();
        Assert.Single(finishes);
        Assert.Equal(finishes[0].ToString(), choices[^1].ToString());
        var usageChunks = chunks.Where(c => c.GetProperty("choices").GetArrayLength() == 0).ToList();
        if (includeUsage)
        {
            var usage = Assert.Single(usageChunks);
            Assert.Equal(usage.ToString(), chunks[^1].ToString());
            Assert.Equal(JsonValueKind.Object, usage.GetProperty("usage").ValueKind);
            Assert.Single(chunks, c => c.TryGetProperty("usage", out var u) && u.ValueKind == JsonValueKind.Object);
        }
        else
        {
            Assert.Empty(usageChunks);
            Assert.DoesNotContain(chunks, c => c.TryGetProperty("usage", out var u) && u.ValueKind == JsonValueKind.Object);
        }
    }
}
