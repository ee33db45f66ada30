using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Gateway.Simulator.Wire;

/// <summary>
/// Writes one SSE event at a time (<c>event: NAME\ndata: JSON\n\n</c>) and flushes it, so clients see
/// each event as the real API sends it. One instance per response; not thread-safe.
/// </summary>
internal sealed class SseWriter(HttpResponse response, int slowMs, CancellationToken ct)
{
    private readonly ArrayBufferWriter<byte> _buffer = new(1024);
    private static readonly JsonWriterOptions Options = new() { Indented = false, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private bool _first = true;

    public async Task EventAsync(string name, Action<Utf8JsonWriter> data)
    {
        if (!_first && slowMs > 0) await Task.Delay(slowMs, ct);
        _first = false;
        _buffer.ResetWrittenCount();
        Ascii("event: ");
        Ascii(name);
        Ascii("\ndata: ");
        using (var w = new Utf8JsonWriter(_buffer, Options)) data(w);
        Ascii("\n\n");
        await response.Body.WriteAsync(_buffer.WrittenMemory, ct);
        await response.Body.FlushAsync(ct);
    }

    private void Ascii(string s)
    {
        var span = _buffer.GetSpan(s.Length);
        for (var i = 0; i < s.Length; i++) span[i] = (byte)s[i];
        _buffer.Advance(s.Length);
    }
}
