using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using Gateway.Core.Translation;

namespace Gateway.Economy.Cache;

/// <summary>
/// A <see cref="PipeWriter"/> that passes every byte through to the client's writer and keeps a copy (bounded), so a streamed MISS can
/// be stored too: after the stream translator finished, <see cref="TryBuildAnswer"/> folds the <c>chat.completion.chunk</c> events it
/// saw into a <see cref="CachedAnswer"/> (null when the answer had tool calls, thinking or an error, did not finish, or outgrew the
/// bound). The stream itself is never delayed or altered. Not thread-safe (one per request, like the translator).
/// </summary>
public sealed class StreamAnswerRecorder(PipeWriter inner, int maxCaptureBytes = 4 * 1024 * 1024) : PipeWriter
{
    private readonly ArrayBufferWriter<byte> _copy = new();
    private Memory<byte> _lastBuffer;
    private bool _overflow;

    /// <summary>The captured stream outgrew the bound: the answer will not be cached.</summary>
    public bool Overflowed => _overflow;

    public override Memory<byte> GetMemory(int sizeHint = 0) => _lastBuffer = inner.GetMemory(sizeHint);

    public override Span<byte> GetSpan(int sizeHint = 0) => (_lastBuffer = inner.GetMemory(sizeHint)).Span;

    public override void Advance(int bytes)
    {
        if (!_overflow && bytes > 0)
        {
            if (_copy.WrittenCount + bytes > maxCaptureBytes) _overflow = true;
            else _copy.Write(_lastBuffer.Span[..bytes]);
        }
        _lastBuffer = default;
        inner.Advance(bytes);
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => inner.FlushAsync(cancellationToken);
    public override void CancelPendingFlush() => inner.CancelPendingFlush();
    public override void Complete(Exception? exception = null) => inner.Complete(exception);
    public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);
    public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;
    public override long UnflushedBytes => inner.UnflushedBytes;

    /// <summary>The folded answer, or null when it is not a cacheable text answer (see the class summary).</summary>
    /// <param name="model">The upstream model that answered.</param>
    /// <param name="usage">The billed usage (the translator's outcome), kept as the answer's original usage.</param>
    public CachedAnswer? TryBuildAnswer(string model, UsageSummary? usage)
    {
        if (_overflow) return null;
        var text = new StringBuilder();
        string? finish = null;
        bool toolCalls = false, reasoning = false;
        long created = 0;
        var data = _copy.WrittenSpan;
        while (data.Length > 0)
        {
            var nl = data.IndexOf((byte)'\n');
            var line = nl < 0 ? data : data[..nl];
            data = nl < 0 ? default : data[(nl + 1)..];
            if (!line.StartsWith("data: "u8)) continue; // blank separators, ": ping" comments
            var payload = line[6..];
            if (payload.SequenceEqual("[DONE]"u8)) continue;
            try
            {
                using var doc = JsonDocument.Parse(payload.ToArray());
                var root = doc.RootElement;
                if (root.TryGetProperty("error", out _)) return null; // the stream ended in an error event
                if (root.TryGetProperty("created", out var c) && c.TryGetInt64(out var cv)) created = cv;
                if (!root.TryGetProperty("choices", out var choices) || choices.ValueKind != JsonValueKind.Array) continue;
                foreach (var choice in choices.EnumerateArray())
                {
                    if (choice.TryGetProperty("delta", out var delta) && delta.ValueKind == JsonValueKind.Object)
                    {
                        if (delta.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String) text.Append(content.GetString());
                        if (delta.TryGetProperty("tool_calls", out _) || delta.TryGetProperty("function_call", out _)) toolCalls = true;
                        if (delta.TryGetProperty("reasoning_content", out _)) reasoning = true;
                    }
                    if (choice.TryGetProperty("finish_reason", out var f) && f.ValueKind == JsonValueKind.String) finish = f.GetString();
                }
            }
            catch (JsonException)
            {
                return null; // not a stream we understand: do not cache what we cannot replay faithfully
            }
        }
        return CachedAnswer.TryCreate(text.ToString(), finish, model, usage, toolCalls, reasoning, created);
    }
}
