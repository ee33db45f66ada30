using System.Buffers;
using System.Text.Json;

namespace Gateway.Core.Protocol.Anthropic;

/// <summary>Anthropic stream event <c>type</c> (Messages streaming, anthropic-version 2023-06-01). Unknown types are ignored, as the API's versioning policy asks.</summary>
internal enum StreamEventType { Unknown, MessageStart, ContentBlockStart, ContentBlockDelta, ContentBlockStop, MessageDelta, MessageStop, Ping, Error }

/// <summary><c>content_block.type</c> of a <c>content_block_start</c>.</summary>
internal enum StreamBlockType { None, Unknown, Text, ToolUse, Thinking, RedactedThinking }

/// <summary><c>delta.type</c> of a <c>content_block_delta</c>.</summary>
internal enum StreamDeltaType { None, Unknown, TextDelta, InputJsonDelta, ThinkingDelta, SignatureDelta }

/// <summary>
/// One parsed Anthropic stream event, flat, reused for every event of a stream so the hot path allocates nothing
/// for deltas: the delta payload (text, partial_json, thinking, signature) is unescaped into a pooled buffer,
/// <see cref="DeltaValue"/>. Per-block and per-message fields (ids, names, stop_reason) are strings: they occur once.
/// Read with <see cref="Utf8JsonReader"/>, in any property order. Not thread-safe.
/// </summary>
internal sealed class StreamEvent : IDisposable
{
    private byte[] _value = ArrayPool<byte>.Shared.Rent(1024);
    private int _valueLength;

    public StreamEventType Type { get; private set; }
    /// <summary><c>index</c>: the content block index (content_block_* events).</summary>
    public int Index { get; private set; }

    /// <summary><c>message.id</c> (message_start).</summary>
    public string? MessageId { get; private set; }
    /// <summary><c>message.model</c> (message_start).</summary>
    public string? MessageModel { get; private set; }

    public StreamBlockType BlockType { get; private set; }
    /// <summary><c>content_block.id</c> (tool_use).</summary>
    public string? BlockId { get; private set; }
    /// <summary><c>content_block.name</c> (tool_use).</summary>
    public string? BlockName { get; private set; }
    /// <summary><c>content_block.input</c> as raw JSON when it is not empty (tool_use; normally <c>{}</c> and filled by deltas).</summary>
    public string? BlockInput { get; private set; }
    /// <summary><c>content_block.text</c> / <c>thinking</c> initial value (normally empty).</summary>
    public string? BlockText { get; private set; }
    /// <summary><c>content_block.signature</c> (thinking) or <c>data</c> (redacted_thinking).</summary>
    public string? BlockSignature { get; private set; }
    public string? BlockData { get; private set; }

    public StreamDeltaType DeltaType { get; private set; }
    /// <summary>The delta payload, unescaped UTF-8: text, partial_json, thinking or signature.</summary>
    public ReadOnlySpan<byte> DeltaValue => _value.AsSpan(0, _valueLength);

    /// <summary><c>delta.stop_reason</c> (message_delta).</summary>
    public string? StopReason { get; private set; }

    /// <summary><c>usage</c> counts present in this event (message_start's message.usage, message_delta's usage). Cumulative: set, never add.</summary>
    public int? InputTokens { get; private set; }
    public int? OutputTokens { get; private set; }
    public int? CacheCreationInputTokens { get; private set; }
    public int? CacheReadInputTokens { get; private set; }

    private void Reset()
    {
        Type = StreamEventType.Unknown;
        Index = 0;
        MessageId = MessageModel = BlockId = BlockName = BlockInput = BlockText = BlockSignature = BlockData = StopReason = null;
        BlockType = StreamBlockType.None;
        DeltaType = StreamDeltaType.None;
        _valueLength = 0;
        InputTokens = OutputTokens = CacheCreationInputTokens = CacheReadInputTokens = null;
    }

    /// <summary>Parses one event's data. Throws <see cref="JsonException"/> for malformed JSON.</summary>
    public void Parse(ReadOnlySpan<byte> json)
    {
        Reset();
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 256 });
        Expect(ref reader, JsonTokenType.StartObject);
        while (NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("type"u8)) { reader.Read(); Type = ParseEventType(ref reader); }
            else if (reader.ValueTextEquals("index"u8)) { reader.Read(); Index = reader.TokenType == JsonTokenType.Number ? reader.GetInt32() : 0; }
            else if (reader.ValueTextEquals("message"u8)) { reader.Read(); ParseMessage(ref reader); }
            else if (reader.ValueTextEquals("content_block"u8)) { reader.Read(); ParseBlock(ref reader, json); }
            else if (reader.ValueTextEquals("delta"u8)) { reader.Read(); ParseDelta(ref reader); }
            else if (reader.ValueTextEquals("usage"u8)) { reader.Read(); ParseUsage(ref reader); }
            else { reader.Read(); reader.Skip(); }
        }
    }

    private static StreamEventType ParseEventType(ref Utf8JsonReader r) =>
        r.TokenType != JsonTokenType.String ? StreamEventType.Unknown
        : r.ValueTextEquals("content_block_delta"u8) ? StreamEventType.ContentBlockDelta
        : r.ValueTextEquals("content_block_start"u8) ? StreamEventType.ContentBlockStart
        : r.ValueTextEquals("content_block_stop"u8) ? StreamEventType.ContentBlockStop
        : r.ValueTextEquals("message_start"u8) ? StreamEventType.MessageStart
        : r.ValueTextEquals("message_delta"u8) ? StreamEventType.MessageDelta
        : r.ValueTextEquals("message_stop"u8) ? StreamEventType.MessageStop
        : r.ValueTextEquals("ping"u8) ? StreamEventType.Ping
        : r.ValueTextEquals("error"u8) ? StreamEventType.Error
        : StreamEventType.Unknown;

    private void ParseMessage(ref Utf8JsonReader r)
    {
        if (r.TokenType != JsonTokenType.StartObject) { r.Skip(); return; }
        while (NextProperty(ref r))
        {
            if (r.ValueTextEquals("id"u8)) { r.Read(); MessageId = StringOrNull(ref r); }
            else if (r.ValueTextEquals("model"u8)) { r.Read(); MessageModel = StringOrNull(ref r); }
            else if (r.ValueTextEquals("usage"u8)) { r.Read(); ParseUsage(ref r); }
            else { r.Read(); r.Skip(); }
        }
    }

    private void ParseBlock(ref Utf8JsonReader r, ReadOnlySpan<byte> json)
    {
        if (r.TokenType != JsonTokenType.StartObject) { r.Skip(); return; }
        BlockType = StreamBlockType.Unknown;
        while (NextProperty(ref r))
        {
            if (r.ValueTextEquals("type"u8))
            {
                r.Read();
                BlockType = r.TokenType != JsonTokenType.String ? StreamBlockType.Unknown
                    : r.ValueTextEquals("text"u8) ? StreamBlockType.Text
                    : r.ValueTextEquals("tool_use"u8) ? StreamBlockType.ToolUse
                    : r.ValueTextEquals("thinking"u8) ? StreamBlockType.Thinking
                    : r.ValueTextEquals("redacted_thinking"u8) ? StreamBlockType.RedactedThinking
                    : StreamBlockType.Unknown;
            }
            else if (r.ValueTextEquals("id"u8)) { r.Read(); BlockId = StringOrNull(ref r); }
            else if (r.ValueTextEquals("name"u8)) { r.Read(); BlockName = StringOrNull(ref r); }
            else if (r.ValueTextEquals("text"u8) || r.ValueTextEquals("thinking"u8)) { r.Read(); BlockText = StringOrNull(ref r); }
            else if (r.ValueTextEquals("signature"u8)) { r.Read(); BlockSignature = StringOrNull(ref r); }
            else if (r.ValueTextEquals("data"u8)) { r.Read(); BlockData = StringOrNull(ref r); }
            else if (r.ValueTextEquals("input"u8))
            {
                r.Read();
                var start = (int)r.TokenStartIndex;
                var empty = r.TokenType == JsonTokenType.StartObject;
                r.Skip();
                var raw = json[start..(int)r.BytesConsumed];
                // "{}" is the normal start; anything else (rare) is the whole input, used when no deltas follow.
                if (!empty || raw.Length > 2) BlockInput = System.Text.Encoding.UTF8.GetString(raw);
            }
            else { r.Read(); r.Skip(); }
        }
    }

    private void ParseDelta(ref Utf8JsonReader r)
    {
        if (r.TokenType != JsonTokenType.StartObject) { r.Skip(); return; }
        while (NextProperty(ref r))
        {
            if (r.ValueTextEquals("type"u8))
            {
                r.Read();
                DeltaType = r.TokenType != JsonTokenType.String ? StreamDeltaType.Unknown
                    : r.ValueTextEquals("text_delta"u8) ? StreamDeltaType.TextDelta
                    : r.ValueTextEquals("input_json_delta"u8) ? StreamDeltaType.InputJsonDelta
                    : r.ValueTextEquals("thinking_delta"u8) ? StreamDeltaType.ThinkingDelta
                    : r.ValueTextEquals("signature_delta"u8) ? StreamDeltaType.SignatureDelta
                    : StreamDeltaType.Unknown;
            }
            else if (r.ValueTextEquals("text"u8) || r.ValueTextEquals("partial_json"u8) || r.ValueTextEquals("thinking"u8) || r.ValueTextEquals("signature"u8))
            {
                r.Read();
                if (r.TokenType == JsonTokenType.String) CopyValue(ref r);
                else r.Skip();
            }
            else if (r.ValueTextEquals("stop_reason"u8)) { r.Read(); StopReason = StringOrNull(ref r); }
            else { r.Read(); r.Skip(); }
        }
    }

    private void ParseUsage(ref Utf8JsonReader r)
    {
        if (r.TokenType != JsonTokenType.StartObject) { r.Skip(); return; }
        while (NextProperty(ref r))
        {
            if (r.ValueTextEquals("input_tokens"u8)) { r.Read(); InputTokens = IntOrNull(ref r); }
            else if (r.ValueTextEquals("output_tokens"u8)) { r.Read(); OutputTokens = IntOrNull(ref r); }
            else if (r.ValueTextEquals("cache_creation_input_tokens"u8)) { r.Read(); CacheCreationInputTokens = IntOrNull(ref r); }
            else if (r.ValueTextEquals("cache_read_input_tokens"u8)) { r.Read(); CacheReadInputTokens = IntOrNull(ref r); }
            else { r.Read(); r.Skip(); }
        }
    }

    private void CopyValue(ref Utf8JsonReader r)
    {
        // Unescaped UTF-8 is never longer than its escaped form.
        var max = r.HasValueSequence ? checked((int)r.ValueSequence.Length) : r.ValueSpan.Length;
        if (max > _value.Length)
        {
            ArrayPool<byte>.Shared.Return(_value);
            _value = ArrayPool<byte>.Shared.Rent(max);
        }
        _valueLength = r.CopyString(_value);
    }

    private static bool NextProperty(ref Utf8JsonReader r)
    {
        if (!r.Read()) throw new JsonException("Unexpected end of JSON.");
        return r.TokenType == JsonTokenType.PropertyName;
    }

    private static void Expect(ref Utf8JsonReader r, JsonTokenType type)
    {
        if (!r.Read() || r.TokenType != type) throw new JsonException($"Expected {type}.");
    }

    private static string? StringOrNull(ref Utf8JsonReader r)
    {
        if (r.TokenType == JsonTokenType.String) return r.GetString();
        r.Skip();
        return null;
    }

    private static int? IntOrNull(ref Utf8JsonReader r)
    {
        if (r.TokenType == JsonTokenType.Number && r.TryGetInt32(out var n)) return n;
        r.Skip();
        return null;
    }

    public void Dispose()
    {
        var value = _value;
        _value = [];
        _valueLength = 0;
        if (value.Length > 0) ArrayPool<byte>.Shared.Return(value);
    }
}
