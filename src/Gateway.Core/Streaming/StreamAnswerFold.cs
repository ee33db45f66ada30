using System.Buffers;
using System.Text;

namespace Gateway.Core.Streaming;

/// <summary>
/// Keeps what a stream sent the client as its answer (the <c>content</c> text and the names of the tools called), so
/// response-stage policy rules see the same answer for a stream as for a JSON response. Per stream; not thread-safe.
/// </summary>
/// <remarks>
/// The text is kept as the UTF-8 bytes the client was sent, in one pooled buffer, and decoded once at the end: appending
/// is a copy, nothing is allocated per event. It is capped at <see cref="MaxTextBytes"/>: an answer is normally far
/// smaller, but a long generation must not make the gateway hold an unbounded buffer per open stream just for rules.
/// </remarks>
internal sealed class StreamAnswerFold : IDisposable
{
    /// <summary>1 MiB: well over any answer rules need to look at (max_tokens answers are a few hundred KB at most).</summary>
    public const int MaxTextBytes = 1024 * 1024;

    private byte[]? _text;
    private int _length;
    private List<string>? _toolCalls;

    /// <summary>Text was dropped because the answer went over <see cref="MaxTextBytes"/>.</summary>
    public bool TextTruncated { get; private set; }

    public IReadOnlyList<string> ToolCalls => (IReadOnlyList<string>?)_toolCalls ?? [];

    public void AddToolCall(string name) => (_toolCalls ??= []).Add(name);

    /// <summary>Appends content sent to the client; past the cap the rest is dropped at a character boundary.</summary>
    public void AppendText(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty || TextTruncated) return;
        var take = utf8.Length;
        if (_length + take > MaxTextBytes)
        {
            TextTruncated = true;
            take = MaxTextBytes - _length;
            // Never cut inside a character: step back over UTF-8 continuation bytes (10xxxxxx).
            while (take > 0 && (utf8[take] & 0xC0) == 0x80) take--;
            if (take == 0) return;
        }
        Ensure(_length + take);
        utf8[..take].CopyTo(_text.AsSpan(_length));
        _length += take;
    }

    public string Text() => _length == 0 ? "" : Encoding.UTF8.GetString(_text!, 0, _length);

    public void Dispose()
    {
        if (_text is not null) ArrayPool<byte>.Shared.Return(_text);
        _text = null;
        _length = 0;
    }

    private void Ensure(int needed)
    {
        if (_text is not null && _text.Length >= needed) return;
        var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(MaxTextBytes, Math.Max(needed, Math.Max(4096, (_text?.Length ?? 0) * 2))));
        if (_text is not null)
        {
            _text.AsSpan(0, _length).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_text);
        }
        _text = bigger;
    }
}
