using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using Gateway.Core.Errors;
using Gateway.Core.Protocol.Anthropic;
using Gateway.Core.Translation;

namespace Gateway.Core.Streaming;

/// <summary>
/// Reads Anthropic SSE from upstreamBody and writes OpenAI chat.completion.chunk SSE to client, flushing after every
/// upstream event that produced output. Per request; not thread-safe.
/// </summary>
/// <remarks>
/// Steps:
/// 1. Read the upstream body through a <see cref="PipeReader"/> (pooled buffers) and cut it into SSE events on blank lines.
/// 2. Parse each event's data with <see cref="Utf8JsonReader"/> into one reused <see cref="StreamEvent"/>.
/// 3. Translate: message_start -> role chunk; block deltas -> content / reasoning_content / tool_calls (or function_call,
///    or content in json mode); message_delta -> stop reason and cumulative usage; ping -> SSE comment.
/// 4. Flush the client after every event that wrote something; a flush that fails means the client left: stop.
/// 5. End: message_stop -> save thinking for the tool calls, finish chunk, usage chunk (include_usage), [DONE];
///    error event, malformed event or a stream cut before message_stop -> an OpenAI error payload, then [DONE].
/// Along the way the answer is folded into the outcome (<see cref="StreamAnswerFold"/>): the content sent (bounded, and only when
/// <c>keepText</c>), the tool names called, whether a function call or reasoning was sent. That one fold serves response-stage
/// rules and the response cache alike.
/// </remarks>
public sealed class MessagesToChatStreamTranslator
{
    private readonly ResponseShaping _shaping;
    private readonly IThinkingStore _thinking;
    private readonly TimeProvider _time;

    // Message state.
    private bool _started;
    private string? _messageId;
    private string? _upstreamModel;
    private string? _stopReason;
    private int _inputTokens, _outputTokens, _cacheCreationTokens, _cacheReadTokens;

    // Block state, by Anthropic content block index.
    private readonly List<BlockState?> _blocks = [];
    private int _toolCalls;
    private bool _functionCallEmitted;
    private bool _jsonToolSeen;
    private ArrayBufferWriter<byte>? _heldText;
    private List<StoredThinkingBlock>? _thinkingBlocks;
    private List<string>? _toolIdsAfterThinking;
    private long _thinkingChars;
    private char[]? _chars;
    private readonly StreamAnswerFold _answer;
    private long _created;

    // Outcome.
    private string? _finishReason;
    private GatewayException? _error;
    private bool _clientDisconnected;

    /// <param name="keepText">Keep the <c>content</c> text in <see cref="StreamOutcome.AnswerText"/> (response-stage rules or a
    /// response-cache MISS need it); when false the text is neither copied nor decoded.</param>
    public MessagesToChatStreamTranslator(ResponseShaping shaping, IThinkingStore thinking, TimeProvider? time = null, bool keepText = true)
    {
        _shaping = shaping;
        _thinking = thinking;
        _time = time ?? TimeProvider.System;
        _answer = new StreamAnswerFold(keepText);
    }

    public async Task<StreamOutcome> TranslateAsync(Stream upstreamBody, PipeWriter client, CancellationToken ct)
    {
        var reader = PipeReader.Create(upstreamBody, new StreamPipeReaderOptions(bufferSize: 16 * 1024, minimumReadSize: 1024, leaveOpen: true));
        using var sse = new SseEventParser();
        using var ev = new StreamEvent();
        using var writer = new OpenAiChunkWriter(client, _shaping.IncludeUsage);
        try
        {
            var finished = false;
            while (!finished)
            {
                // 1. Read.
                ReadResult result;
                try
                {
                    result = await reader.ReadAsync(ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    _clientDisconnected = true;
                    break;
                }
                catch (Exception e) when (e is IOException or HttpRequestException or ObjectDisposedException or OperationCanceledException)
                {
                    // Not the client's token: the upstream connection broke or its own timeout fired.
                    Fail(writer, Truncated(e));
                    await FlushAsync(writer, client, ct).ConfigureAwait(false);
                    break;
                }

                var buffer = result.Buffer;
                bool gotEvent;
                SequencePosition consumed;
                try
                {
                    gotEvent = TryReadEvent(sse, buffer, out consumed);
                }
                catch (InvalidDataException e)
                {
                    reader.AdvanceTo(buffer.End);
                    Fail(writer, new GatewayException(502, OpenAiErrorTypes.Server, "Upstream Anthropic API sent an oversized stream event.", code: "upstream_malformed_event", inner: e));
                    await FlushAsync(writer, client, ct).ConfigureAwait(false);
                    break;
                }

                // 2./3. One event at a time, so the flush below follows each event.
                if (gotEvent) finished = Handle(sse, ev, writer);
                else if (result.IsCompleted)
                {
                    Fail(writer, Truncated(null));
                    finished = true;
                }

                // Examined only up to the event when one was found: the next ReadAsync returns the rest without waiting.
                reader.AdvanceTo(consumed, gotEvent ? consumed : buffer.End);

                // 4. Flush.
                if (!await FlushAsync(writer, client, ct).ConfigureAwait(false)) break;
            }
        }
        catch (Exception e) when (ct.IsCancellationRequested || e is OperationCanceledException)
        {
            _clientDisconnected = true;
        }
        catch (Exception e) when (e is InvalidOperationException or IOException && !_clientDisconnected)
        {
            // A write into a client pipe that is already gone.
            _clientDisconnected = true;
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
            if (_chars is not null) ArrayPool<char>.Shared.Return(_chars);
            _chars = null;
        }

        var outcome = new StreamOutcome(
            new UsageSummary(_inputTokens, _outputTokens, _cacheCreationTokens, _cacheReadTokens),
            _finishReason, _error, _clientDisconnected, _messageId, writer.ChunksWritten,
            _answer.Text(), _answer.TextTruncated, _answer.ToolCalls)
        {
            AnswerTextKept = _answer.TextKept,
            Model = _shaping.ResponseModel,
            UpstreamModel = _upstreamModel,
            Created = _created,
            FunctionCalled = _answer.FunctionCalled,
            ReasoningSent = _answer.ReasoningSent,
        };
        _answer.Dispose();
        return outcome;
    }

    private static bool TryReadEvent(SseEventParser sse, ReadOnlySequence<byte> buffer, out SequencePosition consumed)
    {
        var sequence = new SequenceReader<byte>(buffer);
        var found = sse.TryReadEvent(ref sequence);
        consumed = sequence.Position;
        return found;
    }

    private async ValueTask<bool> FlushAsync(OpenAiChunkWriter writer, PipeWriter client, CancellationToken ct)
    {
        if (!writer.TakePending()) return !_clientDisconnected;
        try
        {
            var flush = await client.FlushAsync(ct).ConfigureAwait(false);
            if (flush.IsCompleted || flush.IsCanceled) _clientDisconnected = true;
        }
        catch (Exception)
        {
            // Kestrel reports a gone client as OperationCanceledException, ConnectionResetException (IOException) or similar.
            _clientDisconnected = true;
        }
        return !_clientDisconnected;
    }

    /// <returns>True when the stream is finished (message_stop, or an error was reported).</returns>
    private bool Handle(SseEventParser sse, StreamEvent ev, OpenAiChunkWriter writer)
    {
        var data = sse.Data;
        if (sse.EventName.SequenceEqual("error"u8))
        {
            Fail(writer, AnthropicErrorMapper.FromStreamError(data));
            return true;
        }
        if (data.IsEmpty) return false;
        try
        {
            ev.Parse(data);
        }
        catch (JsonException e)
        {
            Fail(writer, new GatewayException(502, OpenAiErrorTypes.Server,
                "Upstream Anthropic API sent a malformed stream event.", code: "upstream_malformed_event", inner: e));
            return true;
        }

        switch (ev.Type)
        {
            case StreamEventType.MessageStart:
                _messageId = ev.MessageId;
                _upstreamModel = ev.MessageModel;
                SetUsage(ev);
                EnsureStarted(writer);
                return false;
            case StreamEventType.ContentBlockStart:
                EnsureStarted(writer);
                OnBlockStart(ev, writer);
                return false;
            case StreamEventType.ContentBlockDelta:
                EnsureStarted(writer);
                OnBlockDelta(ev, writer);
                return false;
            case StreamEventType.ContentBlockStop:
                OnBlockStop(ev.Index, writer);
                return false;
            case StreamEventType.MessageDelta:
                if (ev.StopReason is not null) _stopReason = ev.StopReason;
                SetUsage(ev);
                return false;
            case StreamEventType.MessageStop:
                EnsureStarted(writer);
                Complete(writer);
                return true;
            case StreamEventType.Ping:
                writer.WritePing();
                return false;
            case StreamEventType.Error:
                Fail(writer, AnthropicErrorMapper.FromStreamError(data));
                return true;
            default:
                return false;
        }
    }

    /// <summary>Anthropic usage in message_start and message_delta is cumulative: set what is present, never add.</summary>
    private void SetUsage(StreamEvent ev)
    {
        if (ev.InputTokens is { } i) _inputTokens = i;
        if (ev.OutputTokens is { } o) _outputTokens = o;
        if (ev.CacheCreationInputTokens is { } cc) _cacheCreationTokens = cc;
        if (ev.CacheReadInputTokens is { } cr) _cacheReadTokens = cr;
    }

    private void EnsureStarted(OpenAiChunkWriter writer)
    {
        if (_started) return;
        _started = true;
        var id = "chatcmpl-" + (_messageId ?? Guid.NewGuid().ToString("N"));
        _created = _time.GetUtcNow().ToUnixTimeSeconds();
        writer.Begin(id, _shaping.ResponseModel, _created);
        writer.WriteRole();
    }

    private void OnBlockStart(StreamEvent ev, OpenAiChunkWriter writer)
    {
        var block = new BlockState();
        switch (ev.BlockType)
        {
            case StreamBlockType.Text:
                block.Kind = BlockKind.Text;
                if (!string.IsNullOrEmpty(ev.BlockText)) WriteContent(writer, Encoding.UTF8.GetBytes(ev.BlockText));
                break;
            case StreamBlockType.Thinking:
                block.Kind = BlockKind.Thinking;
                block.Thinking = new StringBuilder(ev.BlockText);
                block.Signature = ev.BlockSignature;
                if (!string.IsNullOrEmpty(ev.BlockText))
                {
                    _thinkingChars += ev.BlockText.Length;
                    WriteReasoning(writer, Encoding.UTF8.GetBytes(ev.BlockText));
                }
                break;
            case StreamBlockType.RedactedThinking:
                block.Kind = BlockKind.RedactedThinking;
                block.Signature = ev.BlockData;
                break;
            case StreamBlockType.ToolUse:
                OnToolStart(ev, block, writer);
                break;
            default:
                block.Kind = BlockKind.Ignored;
                break;
        }
        SetBlock(ev.Index, block);
    }

    private void OnToolStart(StreamEvent ev, BlockState block, OpenAiChunkWriter writer)
    {
        var toolId = ev.BlockId ?? "";
        var upstreamName = ev.BlockName ?? "";
        block.InputFromStart = ev.BlockInput;
        if (_thinkingBlocks is not null) (_toolIdsAfterThinking ??= []).Add(toolId);

        if (_shaping.JsonModeToolName is not null && upstreamName == _shaping.JsonModeToolName)
        {
            block.Kind = BlockKind.JsonTool;
            _jsonToolSeen = true;
            _heldText = null;
        }
        else if (_shaping.LegacyFunctions)
        {
            // Legacy function_call carries one call: the first tool_use; later ones are dropped.
            if (_functionCallEmitted) { block.Kind = BlockKind.Ignored; return; }
            _functionCallEmitted = true;
            block.Kind = BlockKind.FunctionCall;
            var name = _shaping.ClientToolName(upstreamName);
            _answer.AddFunctionCall(name);
            writer.WriteFunctionCallStart(name);
        }
        else
        {
            // OpenAI numbers tool calls 0,1,2 among tool calls, independent of Anthropic's content block index.
            block.Kind = BlockKind.ToolCall;
            block.ToolIndex = _toolCalls++;
            var name = _shaping.ClientToolName(upstreamName);
            _answer.AddToolCall(name);
            writer.WriteToolCallStart(block.ToolIndex, toolId, name);
        }
    }

    private void OnBlockDelta(StreamEvent ev, OpenAiChunkWriter writer)
    {
        var block = GetBlock(ev.Index);
        var value = ev.DeltaValue;
        switch (ev.DeltaType)
        {
            case StreamDeltaType.TextDelta when value.Length > 0 && (block is null || block.Kind == BlockKind.Text):
                // Json mode: content must be the tool's JSON alone, so text is held back until we know the tool was not called
                // (with thinking on, tool_choice cannot be forced and the model may write a preamble).
                if (_shaping.JsonModeToolName is not null && !_jsonToolSeen) (_heldText ??= new()).Write(value);
                else if (!_jsonToolSeen) WriteContent(writer, value);
                break;
            case StreamDeltaType.ThinkingDelta when block is { Kind: BlockKind.Thinking } && value.Length > 0:
                WriteReasoning(writer, value);
                AppendThinking(block, value);
                break;
            case StreamDeltaType.SignatureDelta when block is { Kind: BlockKind.Thinking }:
                block.Signature += Encoding.UTF8.GetString(value);
                break;
            case StreamDeltaType.InputJsonDelta when block is not null && value.Length > 0:
                switch (block.Kind)
                {
                    case BlockKind.ToolCall: writer.WriteToolCallArguments(block.ToolIndex, value); break;
                    case BlockKind.FunctionCall: writer.WriteFunctionCallArguments(value); break;
                    case BlockKind.JsonTool: WriteContent(writer, value); break;
                    default: return;
                }
                block.HadArguments = true;
                break;
        }
    }

    private void OnBlockStop(int index, OpenAiChunkWriter writer)
    {
        var block = GetBlock(index);
        if (block is null || block.Stopped) return;
        block.Stopped = true;
        switch (block.Kind)
        {
            case BlockKind.Thinking:
                (_thinkingBlocks ??= []).Add(new StoredThinkingBlock("thinking", block.Thinking?.ToString() ?? "", block.Signature, null));
                break;
            case BlockKind.RedactedThinking:
                (_thinkingBlocks ??= []).Add(new StoredThinkingBlock("redacted_thinking", null, null, block.Signature));
                break;
            case BlockKind.ToolCall or BlockKind.FunctionCall or BlockKind.JsonTool when !block.HadArguments:
                // A tool without input deltas still needs arguments that parse as JSON.
                var args = Encoding.UTF8.GetBytes(block.InputFromStart ?? "{}");
                if (block.Kind == BlockKind.ToolCall) writer.WriteToolCallArguments(block.ToolIndex, args);
                else if (block.Kind == BlockKind.FunctionCall) writer.WriteFunctionCallArguments(args);
                else WriteContent(writer, args);
                block.HadArguments = true;
                break;
        }
    }

    private void Complete(OpenAiChunkWriter writer)
    {
        // Blocks a truncated upstream never stopped still owe their arguments.
        for (var i = 0; i < _blocks.Count; i++)
            if (_blocks[i] is { Stopped: false } open && open.Kind is BlockKind.ToolCall or BlockKind.FunctionCall or BlockKind.JsonTool or BlockKind.Thinking or BlockKind.RedactedThinking)
                OnBlockStop(i, writer);

        if (_thinkingBlocks is not null && _toolIdsAfterThinking is not null)
        {
            var stored = new StoredThinking(_upstreamModel ?? _shaping.ResponseModel, _thinkingBlocks.ToArray());
            foreach (var id in _toolIdsAfterThinking) _thinking.Save(id, stored);
        }

        if (_heldText is { WrittenCount: > 0 }) WriteContent(writer, _heldText.WrittenSpan);

        _finishReason = MessagesToChatFinishReason.Map(_stopReason, _shaping, answeredWithJsonTool: _jsonToolSeen && _toolCalls == 0 && !_functionCallEmitted);
        writer.WriteFinish(_finishReason);
        if (_shaping.IncludeUsage)
        {
            var usage = new UsageSummary(_inputTokens, _outputTokens, _cacheCreationTokens, _cacheReadTokens);
            writer.WriteUsage(usage, MessagesToChatUsage.EstimateReasoningTokens(_thinkingChars, _outputTokens));
        }
        writer.WriteDone();
    }

    /// <summary>Every <c>content</c> delta goes through here, so the folded answer is exactly what the client was sent.</summary>
    private void WriteContent(OpenAiChunkWriter writer, ReadOnlySpan<byte> utf8)
    {
        writer.WriteContent(utf8);
        _answer.AppendText(utf8);
    }

    /// <summary>Every <c>reasoning_content</c> delta goes through here, so the outcome knows reasoning was sent.</summary>
    private void WriteReasoning(OpenAiChunkWriter writer, ReadOnlySpan<byte> utf8)
    {
        writer.WriteReasoning(utf8);
        _answer.MarkReasoning();
    }

    private void Fail(OpenAiChunkWriter writer, GatewayException error)
    {
        _error = error;
        writer.WriteError(error);
        writer.WriteDone();
    }

    private static GatewayException Truncated(Exception? inner) => new(502, OpenAiErrorTypes.Server,
        "Upstream Anthropic API stream ended before the message was complete (connection cut).", code: "upstream_stream_truncated", inner: inner);

    private void AppendThinking(BlockState block, ReadOnlySpan<byte> utf8)
    {
        var max = Encoding.UTF8.GetMaxCharCount(utf8.Length);
        if (_chars is null || _chars.Length < max)
        {
            if (_chars is not null) ArrayPool<char>.Shared.Return(_chars);
            _chars = ArrayPool<char>.Shared.Rent(Math.Max(max, 1024));
        }
        var n = Encoding.UTF8.GetChars(utf8, _chars);
        block.Thinking!.Append(_chars, 0, n);
        _thinkingChars += n;
    }

    private BlockState? GetBlock(int index) => index >= 0 && index < _blocks.Count ? _blocks[index] : null;

    private void SetBlock(int index, BlockState block)
    {
        if (index < 0) return;
        while (_blocks.Count <= index) _blocks.Add(null);
        _blocks[index] = block;
    }

    private enum BlockKind { Ignored, Text, Thinking, RedactedThinking, ToolCall, FunctionCall, JsonTool }

    private sealed class BlockState
    {
        public BlockKind Kind;
        public int ToolIndex;
        public bool HadArguments;
        public bool Stopped;
        public string? InputFromStart;
        public StringBuilder? Thinking;
        /// <summary>Signature (thinking) or encrypted data (redacted_thinking).</summary>
        public string? Signature;
    }
}
