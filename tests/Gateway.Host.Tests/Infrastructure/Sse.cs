using System.Text.Json;

namespace Gateway.Host.Tests.Infrastructure;

/// <summary>A server-sent event stream as the client saw it: every <c>data:</c> payload in order.</summary>
public sealed class SseStream
{
    public SseStream(IReadOnlyList<string> data, string raw)
    {
        Data = data;
        Raw = raw;
    }

    /// <summary>Every data payload, <c>[DONE]</c> included.</summary>
    public IReadOnlyList<string> Data { get; }
    public string Raw { get; }

    /// <summary>The JSON payloads (everything but <c>[DONE]</c>).</summary>
    public IReadOnlyList<JsonElement> Json => Data.Where(d => d != "[DONE]").Select(d => JsonDocument.Parse(d).RootElement.Clone()).ToList();

    /// <summary>Chunks (objects with <c>choices</c>).</summary>
    public IReadOnlyList<JsonElement> Chunks => Json.Where(j => j.TryGetProperty("choices", out _)).ToList();

    /// <summary>Chunks that carry at least one choice.</summary>
    public IReadOnlyList<JsonElement> ChoiceChunks => Chunks.Where(c => c.GetProperty("choices").GetArrayLength() > 0).ToList();

    public string Content => string.Concat(ChoiceChunks
        .Select(c => c.GetProperty("choices")[0])
        .Where(ch => ch.TryGetProperty("delta", out var d) && d.TryGetProperty("content", out var t) && t.ValueKind == JsonValueKind.String)
        .Select(ch => ch.GetProperty("delta").GetProperty("content").GetString()));

    /// <summary>Every <c>delta.tool_calls</c> entry in order.</summary>
    public IReadOnlyList<JsonElement> ToolCallDeltas => ChoiceChunks
        .Select(c => c.GetProperty("choices")[0])
        .Where(ch => ch.TryGetProperty("delta", out var d) && d.TryGetProperty("tool_calls", out var t) && t.ValueKind == JsonValueKind.Array)
        .SelectMany(ch => ch.GetProperty("delta").GetProperty("tool_calls").EnumerateArray())
        .ToList();

    /// <summary>Reads the whole body (bounded by <paramref name="timeout"/> so a hang fails instead of blocking the run).</summary>
    public static async Task<SseStream> ReadAsync(HttpResponseMessage response, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? Http.Deadline);
        var raw = await response.Content.ReadAsStringAsync(cts.Token);
        return Parse(raw);
    }

    public static SseStream Parse(string raw)
    {
        var data = new List<string>();
        foreach (var block in raw.Replace("\r\n", "\n").Split("\n\n"))
        {
            var lines = block.Split('\n').Where(l => l.StartsWith("data:", StringComparison.Ordinal)).Select(l => l[5..].TrimStart(' ')).ToList();
            if (lines.Count > 0) data.Add(string.Join("\n", lines));
        }
        return new SseStream(data, raw);
    }
}
