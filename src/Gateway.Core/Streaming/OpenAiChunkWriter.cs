using System.Buffers;
using System.IO.Pipelines;
using System.Text.Encodings.Web;
using System.Text.Json;
using Gateway.Core.Errors;
using Gateway.Core.Translation;

namespace Gateway.Core.Streaming;

/// <summary>
/// Writes OpenAI <c>chat.completion.chunk</c> SSE events (<c>data: {json}\n\n</c>) straight into the client's pipe with one
/// reused <see cref="Utf8JsonWriter"/>: no intermediate objects, no per-chunk allocations beyond the pipe's own buffers.
/// Every chunk repeats <c>id</c>, <c>created</c> and <c>model</c>, as OpenAI does. Does not flush: the caller flushes (the stream
/// translator after every upstream event, the response cache's replay once at the end).
/// </summary>
/// <remarks>
/// The one place the OpenAI stream's wire shape is written: the live stream (<see cref="MessagesToChatStreamTranslator"/>) and the
/// response cache's replay (<c>Gateway.Economy.Cache.CachedAnswerWriter</c>) both write through it, so they cannot drift apart.
/// Call <see cref="Begin"/> first. Per stream; not thread-safe.
/// </remarks>
public sealed class OpenAiChunkWriter : IDisposable
{
    private static readonly JsonWriterOptions Options = new()
    {
        // Not HTML: keep non-ASCII as UTF-8 rather than \uXXXX; quotes, control chars and backslashes are still escaped.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    private readonly PipeWriter _output;
    private readonly bool _includeUsage;
    private readonly Utf8JsonWriter _json;
    private JsonEncodedText _id;
    private JsonEncodedText _model;
    private long _created;

    public OpenAiChunkWriter(PipeWriter output, bool includeUsage)
    {
        _output = output;
        _includeUsage = includeUsage;
        _json = new Utf8JsonWriter(output, Options);
    }

    /// <summary><c>chat.completion.chunk</c> payloads written (comments, errors and <c>[DONE]</c> excluded).</summary>
    public int ChunksWritten { get; private set; }

    /// <summary>Bytes were written since the last <see cref="TakePending"/>.</summary>
    private bool _pending;

    /// <summary>True when something was written since the last call (the caller has something to flush).</summary>
    public bool TakePending()
    {
        var p = _pending;
        _pending = false;
        return p;
    }

    /// <summary>The <c>id</c>, <c>model</c> and <c>created</c> (Unix seconds) every chunk repeats.</summary>
    public void Begin(string id, string model, long created)
    {
        _id = JsonEncodedText.Encode(id, Options.Encoder);
        _model = JsonEncodedText.Encode(model, Options.Encoder);
        _created = created;
    }

    /// <summary>First chunk: <c>delta: {role: "assistant", content: ""}</c>.</summary>
    public void WriteRole()
    {
        StartChunk();
        _json.WriteString("role"u8, "assistant"u8);
        _json.WriteString("content"u8, ""u8);
        EndChunk(null);
    }

    /// <summary>A <c>content</c> delta from UTF-8 text (the live stream passes the upstream's unescaped bytes).</summary>
    public void WriteContent(ReadOnlySpan<byte> utf8)
    {
        StartChunk();
        _json.WriteString("content"u8, utf8);
        EndChunk(null);
    }

    /// <summary>A <c>content</c> delta from UTF-16 text (the replay of a cached answer); must not end inside a surrogate pair.</summary>
    public void WriteContent(ReadOnlySpan<char> text)
    {
        StartChunk();
        _json.WriteString("content"u8, text);
        EndChunk(null);
    }

    public void WriteReasoning(ReadOnlySpan<byte> utf8)
    {
        StartChunk();
        _json.WriteString("reasoning_content"u8, utf8);
        EndChunk(null);
    }

    /// <summary>First delta of a tool call: index, id, type and name, with empty arguments.</summary>
    public void WriteToolCallStart(int index, string id, string name)
    {
        StartChunk();
        _json.WriteStartArray("tool_calls"u8);
        _json.WriteStartObject();
        _json.WriteNumber("index"u8, index);
        _json.WriteString("id"u8, id);
        _json.WriteString("type"u8, "function"u8);
        _json.WriteStartObject("function"u8);
        _json.WriteString("name"u8, name);
        _json.WriteString("arguments"u8, ""u8);
        _json.WriteEndObject();
        _json.WriteEndObject();
        _json.WriteEndArray();
        EndChunk(null);
    }

    public void WriteToolCallArguments(int index, ReadOnlySpan<byte> utf8)
    {
        StartChunk();
        _json.WriteStartArray("tool_calls"u8);
        _json.WriteStartObject();
        _json.WriteNumber("index"u8, index);
        _json.WriteStartObject("function"u8);
        _json.WriteString("arguments"u8, utf8);
        _json.WriteEndObject();
        _json.WriteEndObject();
        _json.WriteEndArray();
        EndChunk(null);
    }

    /// <summary>Legacy functions: first delta <c>function_call: {name, arguments: ""}</c>.</summary>
    public void WriteFunctionCallStart(string name)
    {
        StartChunk();
        _json.WriteStartObject("function_call"u8);
        _json.WriteString("name"u8, name);
        _json.WriteString("arguments"u8, ""u8);
        _json.WriteEndObject();
        EndChunk(null);
    }

    public void WriteFunctionCallArguments(ReadOnlySpan<byte> utf8)
    {
        StartChunk();
        _json.WriteStartObject("function_call"u8);
        _json.WriteString("arguments"u8, utf8);
        _json.WriteEndObject();
        EndChunk(null);
    }

    /// <summary>The last choice chunk: empty delta and the finish reason.</summary>
    public void WriteFinish(string finishReason)
    {
        StartChunk();
        EndChunk(finishReason);
    }

    /// <summary><c>stream_options.include_usage</c>: <c>choices: []</c> and the usage.</summary>
    public void WriteUsage(UsageSummary usage, int reasoningTokens)
    {
        _output.Write("data: "u8);
        _json.Reset(_output);
        WriteHeader();
        _json.WriteStartArray("choices"u8);
        _json.WriteEndArray();
        _json.WriteStartObject("usage"u8);
        _json.WriteNumber("prompt_tokens"u8, usage.PromptTokens);
        _json.WriteNumber("completion_tokens"u8, usage.OutputTokens);
        _json.WriteNumber("total_tokens"u8, usage.TotalTokens);
        _json.WriteStartObject("prompt_tokens_details"u8);
        _json.WriteNumber("cached_tokens"u8, usage.CacheReadInputTokens);
        _json.WriteEndObject();
        _json.WriteStartObject("completion_tokens_details"u8);
        _json.WriteNumber("reasoning_tokens"u8, reasoningTokens);
        _json.WriteEndObject();
        _json.WriteEndObject();
        _json.WriteEndObject();
        Finish();
        ChunksWritten++;
    }

    /// <summary>
    /// <c>data: {"error":{...}}</c> without an <c>event:</c> name: openai-node and openai-python raise an APIError for a data
    /// payload with an <c>error</c> field; <c>[DONE]</c> follows so clients that do not check still end instead of hanging.
    /// </summary>
    public void WriteError(GatewayException error)
    {
        _output.Write("data: "u8);
        _json.Reset(_output);
        JsonSerializer.Serialize(_json, error.ToBody(), ErrorJsonContext.Default.OpenAiErrorBody);
        Finish();
    }

    public void WriteDone()
    {
        _output.Write("data: [DONE]\n\n"u8);
        _pending = true;
    }

    /// <summary>An SSE comment: ignored by SSE parsers, keeps idle proxies from closing the connection.</summary>
    public void WritePing()
    {
        _output.Write(": ping\n\n"u8);
        _pending = true;
    }

    private void WriteHeader()
    {
        _json.WriteStartObject();
        _json.WriteString("id"u8, _id);
        _json.WriteString("object"u8, "chat.completion.chunk"u8);
        _json.WriteNumber("created"u8, _created);
        _json.WriteString("model"u8, _model);
        _json.WriteNull("system_fingerprint"u8);
    }

    private void StartChunk()
    {
        _output.Write("data: "u8);
        _json.Reset(_output);
        WriteHeader();
        _json.WriteStartArray("choices"u8);
        _json.WriteStartObject();
        _json.WriteNumber("index"u8, 0);
        _json.WriteStartObject("delta"u8);
    }

    private void EndChunk(string? finishReason)
    {
        _json.WriteEndObject(); // delta
        _json.WriteNull("logprobs"u8);
        if (finishReason is null) _json.WriteNull("finish_reason"u8);
        else _json.WriteString("finish_reason"u8, finishReason);
        _json.WriteEndObject();
        _json.WriteEndArray();
        // OpenAI sends "usage": null on every chunk but the last only when include_usage was asked for.
        if (_includeUsage) _json.WriteNull("usage"u8);
        _json.WriteEndObject();
        Finish();
        ChunksWritten++;
    }

    private void Finish()
    {
        _json.Flush();
        _output.Write("\n\n"u8);
        _pending = true;
    }

    public void Dispose() => _json.Dispose();
}
