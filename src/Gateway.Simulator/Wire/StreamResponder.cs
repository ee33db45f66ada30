using System.Text.RegularExpressions;
using Gateway.Simulator.Behaviour;
using Gateway.Simulator.Caching;
using Microsoft.AspNetCore.Http;

namespace Gateway.Simulator.Wire;

/// <summary>
/// Streams a planned answer as the real event sequence (Messages streaming docs):
/// message_start, then per block content_block_start / content_block_delta* / content_block_stop
/// (a ping after the first block start), message_delta with stop_reason and cumulative usage, message_stop.
/// A stream-error plan stops after a few text deltas with <c>event: error</c>.
/// </summary>
internal static partial class StreamResponder
{
    private const int WordsPerTextDelta = 3;
    /// <summary>Tool JSON is cut at these lengths in turn, so pieces end mid-string, mid-number, mid-key.</summary>
    private static readonly int[] JsonPieceLengths = [1, 7, 3, 11, 5];

    [GeneratedRegex(@"\S+\s*|\s+")]
    private static partial Regex Word();

    public static async Task WriteAsync(HttpResponse response, string id, string model, ResponsePlan plan, CacheUsage input, CancellationToken ct)
    {
        var sse = new SseWriter(response, plan.SlowMs, ct);
        await sse.EventAsync("message_start", w =>
        {
            w.WriteStartObject();
            w.WriteString("type", "message_start");
            MessageJson.StartMessage(w, id, model, input);
            w.WriteEndObject();
        });

        for (var index = 0; index < plan.Blocks.Count; index++)
        {
            var block = plan.Blocks[index];
            var i = index;
            await sse.EventAsync("content_block_start", w =>
            {
                w.WriteStartObject();
                w.WriteString("type", "content_block_start");
                w.WriteNumber("index", i);
                w.WritePropertyName("content_block");
                MessageJson.Block(w, block, complete: false);
                w.WriteEndObject();
            });
            if (index == 0) await sse.EventAsync("ping", w => { w.WriteStartObject(); w.WriteString("type", "ping"); w.WriteEndObject(); });

            var pieces = Pieces(block);
            if (plan.StreamErrorType is { } errorType)
            {
                foreach (var piece in pieces.Take(2)) await Delta(sse, i, block, piece);
                await sse.EventAsync("error", w => MessageJson.Error(w, errorType, ApiErrorException.DefaultMessage(errorType), requestId: null));
                return;
            }
            foreach (var piece in pieces) await Delta(sse, i, block, piece);
            if (block.Type == "thinking")
                await sse.EventAsync("content_block_delta", w => DeltaEvent(w, i, "signature_delta", "signature", block.Signature!));
            await sse.EventAsync("content_block_stop", w =>
            {
                w.WriteStartObject();
                w.WriteString("type", "content_block_stop");
                w.WriteNumber("index", i);
                w.WriteEndObject();
            });
        }

        await sse.EventAsync("message_delta", w =>
        {
            w.WriteStartObject();
            w.WriteString("type", "message_delta");
            w.WriteStartObject("delta");
            w.WriteString("stop_reason", plan.StopReason);
            if (plan.StopSequence is null) w.WriteNull("stop_sequence"); else w.WriteString("stop_sequence", plan.StopSequence);
            w.WriteEndObject();
            // Usage in message_delta is cumulative (streaming docs): the final counts, not increments.
            MessageJson.Usage(w, input, plan.OutputTokens, full: false);
            w.WriteEndObject();
        });
        await sse.EventAsync("message_stop", w => { w.WriteStartObject(); w.WriteString("type", "message_stop"); w.WriteEndObject(); });
    }

    private static Task Delta(SseWriter sse, int index, PlannedBlock block, string piece) => block.Type switch
    {
        "tool_use" => sse.EventAsync("content_block_delta", w => DeltaEvent(w, index, "input_json_delta", "partial_json", piece)),
        "thinking" => sse.EventAsync("content_block_delta", w => DeltaEvent(w, index, "thinking_delta", "thinking", piece)),
        _ => sse.EventAsync("content_block_delta", w => DeltaEvent(w, index, "text_delta", "text", piece)),
    };

    private static void DeltaEvent(System.Text.Json.Utf8JsonWriter w, int index, string deltaType, string field, string value)
    {
        w.WriteStartObject();
        w.WriteString("type", "content_block_delta");
        w.WriteNumber("index", index);
        w.WriteStartObject("delta");
        w.WriteString("type", deltaType);
        w.WriteString(field, value);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>Text and thinking: a few words per delta. Tool input: an empty first piece (as the real API sends), then awkward cuts.</summary>
    internal static List<string> Pieces(PlannedBlock block)
    {
        var pieces = new List<string>();
        if (block.Type == "tool_use")
        {
            pieces.Add("");
            var json = block.Text;
            for (int at = 0, n = 0; at < json.Length; n++)
            {
                var len = Math.Min(JsonPieceLengths[n % JsonPieceLengths.Length], json.Length - at);
                if (char.IsHighSurrogate(json[at + len - 1]) && at + len < json.Length) len++;
                pieces.Add(json.Substring(at, len));
                at += len;
            }
            return pieces;
        }
        var words = Word().Matches(block.Text);
        var sb = new System.Text.StringBuilder();
        var count = 0;
        foreach (Match m in words)
        {
            sb.Append(m.Value);
            if (++count % WordsPerTextDelta != 0) continue;
            pieces.Add(sb.ToString());
            sb.Clear();
        }
        if (sb.Length > 0) pieces.Add(sb.ToString());
        if (pieces.Count == 0) pieces.Add(block.Text);
        return pieces;
    }
}
