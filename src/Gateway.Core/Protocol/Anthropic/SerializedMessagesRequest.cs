using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Gateway.Core.Buffers;

namespace Gateway.Core.Protocol.Anthropic;

/// <summary>
/// A Messages request serialized once, into a pooled buffer: its <see cref="Content"/> bytes (everything the model reads —
/// every field but <c>stream</c>, <c>metadata</c> and every <c>cache_control</c>, which the writer leaves out) and where each
/// tool, system block and message block lies in them. The response-cache key and the prompt-cache block hashes derive from
/// these bytes; <see cref="WriteBody"/> then sends them upstream, re-inserting <c>cache_control</c> on the few blocks that carry
/// one (by re-serializing just those blocks) and adding <c>stream</c> and <c>metadata</c>. Between <see cref="Create"/> and
/// <see cref="WriteBody"/> only cache marks may change on the request. Dispose when the request is done.
/// </summary>
public sealed class SerializedMessagesRequest : IDisposable
{
    private static readonly JsonTypeInfo<MessagesRequest> ContentContract = (JsonTypeInfo<MessagesRequest>)ContentOptions().GetTypeInfo(typeof(MessagesRequest));
    [ThreadStatic] private static Recorder? _recording;

    private readonly PooledBufferWriter _buffer;
    private readonly Dictionary<object, Range> _ranges;

    private SerializedMessagesRequest(MessagesRequest request, PooledBufferWriter buffer, Dictionary<object, Range> ranges)
    {
        Request = request;
        _buffer = buffer;
        _ranges = ranges;
    }

    public MessagesRequest Request { get; }

    /// <summary>The request without <c>stream</c>, <c>metadata</c> and <c>cache_control</c>, as compact UTF-8 JSON.</summary>
    public ReadOnlySpan<byte> Content => _buffer.WrittenSpan;

    /// <summary>The bytes of one tool or top-level content block (system or message) of <see cref="Request"/>.</summary>
    public ReadOnlySpan<byte> BytesOf(object toolOrBlock) => _buffer.WrittenSpan[_ranges[toolOrBlock]];

    public static SerializedMessagesRequest Create(MessagesRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var buffer = new PooledBufferWriter(16 * 1024);
        var recorder = new Recorder();
        _recording = recorder;
        try
        {
            using var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = Json.MinimalJsonEscaping.Instance, SkipValidation = true });
            recorder.Writer = writer;
            recorder.Buffer = buffer;
            JsonSerializer.Serialize(writer, request, ContentContract);
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
        finally
        {
            _recording = null;
        }
        return new SerializedMessagesRequest(request, buffer, recorder.Ranges);
    }

    /// <summary>The upstream body: <see cref="Content"/> with the request's current cache marks, <c>stream</c> and <c>metadata</c>.</summary>
    public void WriteBody(PooledBufferWriter body)
    {
        var content = _buffer.WrittenSpan;
        var marked = new List<(Range Range, object Owner)>();
        foreach (var tool in Request.Tools ?? [])
            if (tool.CacheControl is not null) marked.Add((_ranges[tool], tool));
        foreach (var block in Request.System ?? [])
            if (block.HasCacheMark()) marked.Add((_ranges[block], block));
        foreach (var message in Request.Messages)
            foreach (var block in message.Content)
                if (block.HasCacheMark()) marked.Add((_ranges[block], block));
        marked.Sort((a, b) => a.Range.Start.Value.CompareTo(b.Range.Start.Value));

        var at = 0;
        var end = content.Length - 1; // the closing brace of the request object
        using (var writer = new Utf8JsonWriter(body, new JsonWriterOptions { Encoder = Json.MinimalJsonEscaping.Instance, SkipValidation = true }))
        {
            foreach (var (range, owner) in marked)
            {
                writer.Flush();
                body.Write(content[at..range.Start.Value]);
                if (owner is MessagesRequestTool tool) JsonSerializer.Serialize(writer, tool, AnthropicRequestJsonContext.Wire.MessagesRequestTool);
                else JsonSerializer.Serialize(writer, (MessagesRequestContentBlock)owner, AnthropicRequestJsonContext.Wire.MessagesRequestContentBlock);
                writer.Flush();
                writer.Reset(body);
                at = range.End.Value;
            }
            writer.Flush();
        }
        body.Write(content[at..end]);
        if (Request.Stream is { } stream) body.Write(stream ? ",\"stream\":true"u8 : ",\"stream\":false"u8);
        if (Request.Metadata is { } metadata)
        {
            body.Write(",\"metadata\":"u8);
            using var writer = new Utf8JsonWriter(body, new JsonWriterOptions { Encoder = Json.MinimalJsonEscaping.Instance, SkipValidation = true });
            JsonSerializer.Serialize(writer, metadata, AnthropicRequestJsonContext.Wire.MessagesRequestMetadata);
        }
        body.Write("}"u8);
    }

    /// <summary>The upstream body as a new array (tests, the policy CLI).</summary>
    public byte[] ToBodyArray()
    {
        using var body = new PooledBufferWriter(_buffer.WrittenCount + 256);
        WriteBody(body);
        return body.WrittenSpan.ToArray();
    }

    public void Dispose() => _buffer.Dispose();

    /// <summary>Options for <see cref="Content"/>: no <c>cache_control</c>, <c>stream</c> or <c>metadata</c>; tools and blocks go
    /// through <see cref="RangeConverter{T}"/>, which records where each one lies.</summary>
    private static JsonSerializerOptions ContentOptions()
    {
        var options = new JsonSerializerOptions
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            Encoder = Json.MinimalJsonEscaping.Instance,
            TypeInfoResolver = AnthropicRequestJsonContext.Default.WithAddedModifier(info =>
            {
                if (info.Kind != JsonTypeInfoKind.Object) return;
                for (var i = info.Properties.Count - 1; i >= 0; i--)
                {
                    var name = info.Properties[i].Name;
                    if (name == "cache_control" || (info.Type == typeof(MessagesRequest) && name is "stream" or "metadata"))
                        info.Properties.RemoveAt(i);
                }
            }),
        };
        options.Converters.Add(new RangeConverter<MessagesRequestTool>(options));
        options.Converters.Add(new RangeConverter<MessagesRequestContentBlock>(options));
        return options;
    }

    private sealed class Recorder
    {
        public Utf8JsonWriter Writer = null!;
        public PooledBufferWriter Buffer = null!;
        public readonly Dictionary<object, Range> Ranges = new(ReferenceEqualityComparer.Instance);
        public int Depth; // only top-level blocks get ranges; blocks inside a tool_result are part of theirs
    }

    /// <summary>Writes a tool or block with the object contract (the same options, minus itself) and records its byte range.</summary>
    private sealed class RangeConverter<T>(JsonSerializerOptions outer) : JsonConverter<T> where T : class
    {
        private JsonTypeInfo<T>? _inner;

        public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            throw new NotSupportedException("write only");

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options)
        {
            var inner = _inner ??= (JsonTypeInfo<T>)InnerOptions(outer).GetTypeInfo(typeof(T));
            var recording = _recording;
            if (recording is null || recording.Depth > 0 || !ReferenceEquals(writer, recording.Writer))
            {
                JsonSerializer.Serialize(writer, value, inner);
                return;
            }
            recording.Depth++;
            try
            {
                writer.Flush();
                var start = (int)writer.BytesCommitted;
                JsonSerializer.Serialize(writer, value, inner);
                writer.Flush();
                var end = (int)writer.BytesCommitted;
                // The writer emits the separator of an array element with the element: it belongs before the range.
                if (start < end && recording.Buffer.WrittenSpan[start] == (byte)',') start++;
                recording.Ranges[value] = new Range(start, end);
            }
            finally
            {
                recording.Depth--;
            }
        }
    }

    private static JsonSerializerOptions? _innerOptions;

    /// <summary>The content options without the range converters: what a recorded value is written with.</summary>
    private static JsonSerializerOptions InnerOptions(JsonSerializerOptions outer)
    {
        if (_innerOptions is { } ready) return ready;
        var inner = new JsonSerializerOptions(outer);
        for (var i = inner.Converters.Count - 1; i >= 0; i--)
            if (inner.Converters[i].GetType().IsGenericType && inner.Converters[i].GetType().GetGenericTypeDefinition() == typeof(RangeConverter<>))
                inner.Converters.RemoveAt(i);
        inner.MakeReadOnly();
        return _innerOptions = inner;
    }
}
