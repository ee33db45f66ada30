using System.IO.Pipelines;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Gateway.Core.Protocol.Anthropic;
using Gateway.Core.Protocol.OpenAi;
using Gateway.Core.Streaming;
using Gateway.Core.Translation;

namespace Gateway.Micro;

/// <summary>The answer half: a Messages response to a Chat Completions JSON body, and an SSE fixture through the stream translator into a PipeWriter.</summary>
[MemoryDiagnoser]
public class ResponseBenchmarks
{
    [Params("text", "tool-use", "thinking-then-tool", "parallel-tools")]
    public string Fixture { get; set; } = "text";

    private MessagesResponse _message = null!;
    private byte[] _sse = [];
    private readonly ResponseShaping _shaping = new("claude-sonnet-4-5");
    private readonly MessagesToChatResponseTranslator _translator = new(new InMemoryThinkingStore());
    private readonly InMemoryThinkingStore _thinking = new();

    [GlobalSetup]
    public void Setup()
    {
        var response = Fixture == "thinking-then-tool" ? "messages-thinking-tool" : "messages-" + Fixture;
        _message = JsonSerializer.Deserialize(File.ReadAllBytes(Fixtures.Path_("tests", "fixtures", "responses", response + ".json")),
            AnthropicResponseJsonContext.Default.MessagesResponse)!;
        _sse = File.ReadAllBytes(Fixtures.Path_("tests", "fixtures", "streams", Fixture + ".sse"));
    }

    [Benchmark(Description = "response translation + serialize")]
    public long TranslateResponse()
    {
        var completion = _translator.Translate(_message, _shaping);
        using var counter = new CountingStream();
        JsonSerializer.Serialize(counter, completion, OpenAiResponseJsonContext.Default.ChatCompletionResponse);
        return counter.Length;
    }

    [Benchmark(Description = "stream translation into a PipeWriter")]
    public async Task<StreamOutcome> TranslateStream()
    {
        var writer = PipeWriter.Create(Stream.Null);
        var outcome = await new MessagesToChatStreamTranslator(_shaping, _thinking).TranslateAsync(new MemoryStream(_sse, writable: false), writer, CancellationToken.None);
        await writer.CompleteAsync();
        return outcome;
    }

    private sealed class CountingStream : Stream
    {
        private long _length;
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _length;
        public override long Position { get => _length; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => _length += count;
        public override void Write(ReadOnlySpan<byte> buffer) => _length += buffer.Length;
    }
}
