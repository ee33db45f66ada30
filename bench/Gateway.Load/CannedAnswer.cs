using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Gateway.Load;

/// <summary>
/// The fixed Anthropic Messages answer the canned nginx upstream returns whatever it is asked: the same ~80-word text the
/// simulator produces for the bench body, as a JSON Message, and as the SSE sequence the Messages API streams (message_start,
/// content_block_start, ping, 25 content_block_delta text_delta events, content_block_stop, message_delta with stop_reason
/// end_turn and usage, message_stop; each <c>event: NAME\ndata: JSON\n\n</c>), shaped like tests/fixtures/streams/text.sse.
/// </summary>
public static class CannedAnswer
{
    public const int Deltas = 25;
    private const string Id = "msg_01BenchCannedAnswer0000x";
    private const string Model = "claude-sonnet-4-5-20250929";
    private const int InputTokens = 1180;

    /// <summary>The bench body's <c>[[sim:text]]</c> answer.</summary>
    public const string Text =
        "The coupon is applied twice: CheckoutAsync computes the discounted total, and FinalizeAsync recomputes it from the basket " +
        "and the coupon again, overwriting the first value. Remove the second ApplyDiscount call in FinalizeAsync and keep the total " +
        "computed once in CheckoutAsync; the payment authorization then matches the saved invoice. Add a test that checks out a basket " +
        "with a ten percent coupon and asserts the saved total equals the authorized amount.";

    private static int OutputTokens => (Text.Length + 3) / 4;

    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary><c>application/json</c>: one Message with a text block, stop_reason end_turn and usage.</summary>
    public static string Json() => Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("id", Id);
        w.WriteString("type", "message");
        w.WriteString("role", "assistant");
        w.WriteString("model", Model);
        w.WriteStartArray("content");
        w.WriteStartObject();
        w.WriteString("type", "text");
        w.WriteString("text", Text);
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteString("stop_reason", "end_turn");
        w.WriteNull("stop_sequence");
        Usage(w, OutputTokens, serviceTier: true);
        w.WriteEndObject();
    });

    /// <summary><c>text/event-stream</c>: the whole stream of one text answer.</summary>
    public static string Sse()
    {
        var sb = new StringBuilder();
        void Event(string name, Action<Utf8JsonWriter> data) => sb.Append("event: ").Append(name).Append("\ndata: ").Append(Write(data)).Append("\n\n");

        Event("message_start", w =>
        {
            w.WriteStartObject();
            w.WriteString("type", "message_start");
            w.WriteStartObject("message");
            w.WriteString("id", Id);
            w.WriteString("type", "message");
            w.WriteString("role", "assistant");
            w.WriteString("model", Model);
            w.WriteStartArray("content");
            w.WriteEndArray();
            w.WriteNull("stop_reason");
            w.WriteNull("stop_sequence");
            Usage(w, 1, serviceTier: true);
            w.WriteEndObject();
            w.WriteEndObject();
        });
        Event("content_block_start", w =>
        {
            w.WriteStartObject();
            w.WriteString("type", "content_block_start");
            w.WriteNumber("index", 0);
            w.WriteStartObject("content_block");
            w.WriteString("type", "text");
            w.WriteString("text", "");
            w.WriteEndObject();
            w.WriteEndObject();
        });
        sb.Append("event: ping\ndata: {\"type\": \"ping\"}\n\n");
        foreach (var piece in Pieces(Text, Deltas))
        {
            Event("content_block_delta", w =>
            {
                w.WriteStartObject();
                w.WriteString("type", "content_block_delta");
                w.WriteNumber("index", 0);
                w.WriteStartObject("delta");
                w.WriteString("type", "text_delta");
                w.WriteString("text", piece);
                w.WriteEndObject();
                w.WriteEndObject();
            });
        }
        Event("content_block_stop", w =>
        {
            w.WriteStartObject();
            w.WriteString("type", "content_block_stop");
            w.WriteNumber("index", 0);
            w.WriteEndObject();
        });
        Event("message_delta", w =>
        {
            w.WriteStartObject();
            w.WriteString("type", "message_delta");
            w.WriteStartObject("delta");
            w.WriteString("stop_reason", "end_turn");
            w.WriteNull("stop_sequence");
            w.WriteEndObject();
            w.WriteStartObject("usage");
            w.WriteNumber("output_tokens", OutputTokens);
            w.WriteEndObject();
            w.WriteEndObject();
        });
        Event("message_stop", w =>
        {
            w.WriteStartObject();
            w.WriteString("type", "message_stop");
            w.WriteEndObject();
        });
        return sb.ToString();
    }

    private static void Usage(Utf8JsonWriter w, int output, bool serviceTier)
    {
        w.WriteStartObject("usage");
        w.WriteNumber("input_tokens", InputTokens);
        w.WriteNumber("cache_creation_input_tokens", 0);
        w.WriteNumber("cache_read_input_tokens", 0);
        w.WriteNumber("output_tokens", output);
        if (serviceTier) w.WriteString("service_tier", "standard");
        w.WriteEndObject();
    }

    /// <summary><paramref name="text"/> cut at word boundaries into <paramref name="count"/> pieces of about equal length (each keeps its leading space).</summary>
    public static IReadOnlyList<string> Pieces(string text, int count)
    {
        var words = text.Split(' ');
        var pieces = new List<string>(count);
        var at = 0;
        for (var i = 0; i < count; i++)
        {
            var take = (words.Length - at) / (count - i);
            if (take == 0) take = 1;
            var joined = string.Join(' ', words, at, Math.Min(take, words.Length - at));
            pieces.Add(at == 0 ? joined : " " + joined);
            at += take;
            if (at >= words.Length) break;
        }
        return pieces;
    }

    private static string Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer, Options)) write(w);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
