using System.Buffers;
using System.Text;

namespace Gateway.Core.Streaming;

/// <summary>
/// The one fold of what a stream sent the client as its answer: the <c>content</c> text, the names of the tools (or the legacy
/// function) called, and whether reasoning was sent. Response-stage policy rules see it as they see a JSON answer, and the host
/// builds the response-cache entry of a streamed MISS from it (<c>CachedAnswer.TryFrom(StreamOutcome)</c>): nothing re-reads the
/// chunks written. Per stream; not thread-safe.
/// </summary>
/// <remarks>
/// The text is kept only when someone needs it (<c>keepText</c>: response rules or a cache MISS); otherwise appending is a flag test.
/// It is kept as the UTF-8 bytes the client was sent, in one pooled buffer, and decoded once at the end: appending is a copy, nothing
/// is allocated per event. It is capped at <see cref="MaxTextBytes"/>: an answer is normally far smaller, but a long generation must
/// not make the gateway hold an unbounded buffer per open stream. Past the cap the text is cut and <see cref="TextTruncated"/> set,
/// so a cut text is never taken for the whole answer (the response cache refuses it).
/// </remarks>
internal sealed class StreamAnswerFold(bool keepText = true) : IDisposable
{
    /// <summary>1 MiB: well over any answer rules need to look at (max_tokens answers are a few hundred KB at most); the response cache's entries are at most 1 MiB too.</summary>
    public const int MaxTextBytes = 1024 * 1024;

    private byte[]? _text;
    private int _length;
    private List<string>? _toolCalls;

    /// <summary>The text is being kept (else <see cref="Text"/> is always empty).</summary>
    public bool TextKept => keepText;

    /// <summary>Text was dropped because the answer went over <see cref="MaxTextBytes"/>.</summary>
    public bool TextTruncated { get; private set; }

    /// <summary>Names of the tools called, and of the legacy function (see <see cref="FunctionCalled"/>), in order.</summary>
    public IReadOnlyList<string> ToolCalls => (IReadOnlyList<string>?)_toolCalls ?? [];

    /// <summary>A legacy <c>function_call</c> was sent (its name is in <see cref="ToolCalls"/> too).</summary>
    public bool FunctionCalled { get; private set; }

    /// <summary>At least one <c>reasoning_content</c> delta was sent.</summary>
    public bool ReasoningSent { get; private set; }

    public void AddToolCall(string name) => (_toolCalls ??= []).Add(name);

    public void AddFunctionCall(string name)
    {
        FunctionCalled = true;
        AddToolCall(name);
    }

    public void MarkReasoning() => ReasoningSent = true;

    /// <summary>Appends content sent to the client; past the cap the rest is dropped at a character boundary. Nothing when the text is not kept.</summary>
    public void AppendText(ReadOnlySpan<byte> utf8)
    {
        if (!keepText || utf8.IsEmpty || TextTruncated) return;
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
