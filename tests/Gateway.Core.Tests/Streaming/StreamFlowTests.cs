using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Gateway.Core.Streaming;
using Gateway.Core.Translation;

namespace Gateway.Core.Tests.Streaming;

/// <summary>Flush per event, and a client that goes away.</summary>
public sealed class StreamFlowTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Translate_EachUpstreamEvent_ReachesClientBeforeNextIsReleased()
    {
        var upstream = new ChannelStream();
        var pipe = new Pipe();
        var translator = new MessagesToChatStreamTranslator(new(StreamCases.Model), new InMemoryThinkingStore(), FixedTimeProvider.Default);
        var run = translator.TranslateAsync(upstream, pipe.Writer, CancellationToken.None);
        var received = new StringBuilder();

        var events = Fixtures.Text("streams/tool-use.sse").Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        foreach (var evt in events)
        {
            upstream.Send(Encoding.UTF8.GetBytes(evt + "\n\n"));
            var expected = ExpectedFragment(evt);
            if (expected is null) continue;
            // Nothing further is released until the translated chunk for this event has arrived.
            while (!received.ToString().Contains(expected))
            {
                var read = await pipe.Reader.ReadAsync().AsTask().WaitAsync(Timeout);
                received.Append(Encoding.UTF8.GetString(read.Buffer.ToArray()));
                pipe.Reader.AdvanceTo(read.Buffer.End);
            }
        }

        var outcome = await run.WaitAsync(Timeout);
        Assert.Equal("tool_calls", outcome.FinishReason);
        Assert.Null(outcome.Error);
    }

    /// <summary>
    /// Per-event flush, shown without timing: after the translator got upstream event i it asks the upstream for event i+1, which is
    /// held back (<see cref="GatedStream"/>). At that moment, before event i+1 exists, the chunk for event i must already be readable
    /// from the client pipe with a non-blocking <see cref="PipeReader.TryRead"/>; a pipe shows a reader only what was flushed.
    /// </summary>
    [Fact]
    public async Task Translate_EventIsFlushedToClient_WhileUpstreamStillHoldsTheNextEvent()
    {
        var events = Fixtures.Text("streams/tool-use.sse").Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        var upstream = new GatedStream(events.Select(e => Encoding.UTF8.GetBytes(e + "\n\n")));
        var pipe = new Pipe();
        var translator = new MessagesToChatStreamTranslator(new(StreamCases.Model), new InMemoryThinkingStore(), FixedTimeProvider.Default);
        var run = translator.TranslateAsync(upstream, pipe.Writer, CancellationToken.None);

        var checkedEvents = 0;
        for (var i = 0; i < events.Length; i++)
        {
            upstream.Release(i);
            if (i + 1 < events.Length)
            {
                // The translator is done with event i and waits in the upstream: nothing more can be written until the test releases i+1.
                await upstream.Asked(i + 1).WaitAsync(Timeout);
                Assert.False(run.IsCompleted);
            }
            else
            {
                await run.WaitAsync(Timeout); // message_stop: the translator ends without asking for more
            }

            var flushed = "";
            if (pipe.Reader.TryRead(out var read))
            {
                flushed = Encoding.UTF8.GetString(read.Buffer.ToArray());
                pipe.Reader.AdvanceTo(read.Buffer.End);
            }
            var expected = ExpectedFragment(events[i]);
            if (expected is null)
            {
                Assert.Equal("", flushed); // events that write nothing flush nothing
                continue;
            }
            Assert.Contains(expected, flushed);
            checkedEvents++;
        }

        Assert.True(checkedEvents >= 6, $"only {checkedEvents} events wrote something");
        var outcome = await run;
        Assert.Equal("tool_calls", outcome.FinishReason);
        Assert.Null(outcome.Error);
    }

    /// <summary>A text that must appear in the client output once this upstream event is translated; null for events that write nothing.</summary>
    private static string? ExpectedFragment(string evt)
    {
        if (evt.Contains("\"message_start\"")) return "\"role\":\"assistant\"";
        if (evt.Contains("\"ping\"")) return ": ping";
        if (evt.Contains("\"content_block\":{\"type\":\"tool_use\"")) return "\"id\":\"toolu_01T1x1fJ34qAmk2tNTrN7Up6\"";
        if (evt.Contains("\"message_stop\"")) return "[DONE]";
        var marker = evt.Contains("\"text_delta\"") ? "\"text\":" : evt.Contains("\"input_json_delta\"") ? "\"partial_json\":" : null;
        if (marker is null) return null;
        var start = evt.IndexOf(marker, StringComparison.Ordinal) + marker.Length;
        var end = evt.LastIndexOf("}}", StringComparison.Ordinal);
        var value = evt[start..end];
        // The upstream JSON-escaped value is written with the same escaping (ASCII here).
        return value == "\"\"" ? null : value;
    }

    [Fact]
    public async Task Translate_ClientCancels_StopsReadingAndReportsDisconnect()
    {
        var upstream = new ChannelStream();
        var pipe = new Pipe();
        using var cts = new CancellationTokenSource();
        var translator = new MessagesToChatStreamTranslator(new(StreamCases.Model), new InMemoryThinkingStore(), FixedTimeProvider.Default);
        var run = translator.TranslateAsync(upstream, pipe.Writer, cts.Token);

        var events = Fixtures.Text("streams/text.sse").Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        upstream.Send(Encoding.UTF8.GetBytes(events[0] + "\n\n"));
        var first = await pipe.Reader.ReadAsync().AsTask().WaitAsync(Timeout);
        Assert.Contains("assistant", Encoding.UTF8.GetString(first.Buffer.ToArray()));
        pipe.Reader.AdvanceTo(first.Buffer.End);

        cts.Cancel();
        var outcome = await run.WaitAsync(Timeout);
        Assert.True(outcome.ClientDisconnected);
        Assert.Null(outcome.FinishReason);
        Assert.Equal("msg_01TextStream7Xq", outcome.UpstreamMessageId);
    }

    [Fact]
    public async Task Translate_ClientPipeCompleted_StopsReadingAndReportsDisconnect()
    {
        var upstream = new ChannelStream();
        var pipe = new Pipe();
        pipe.Reader.Complete();
        var translator = new MessagesToChatStreamTranslator(new(StreamCases.Model), new InMemoryThinkingStore(), FixedTimeProvider.Default);
        var run = translator.TranslateAsync(upstream, pipe.Writer, CancellationToken.None);

        upstream.Send(Fixtures.Bytes("streams/text.sse"));
        var outcome = await run.WaitAsync(Timeout);
        Assert.True(outcome.ClientDisconnected);
        Assert.Equal(1, outcome.ChunksWritten);
        Assert.Equal(1, upstream.Reads);
    }

    [Fact]
    public async Task Translate_ClientWriteThrows_ReportsDisconnectWithoutThrowing()
    {
        var client = PipeWriter.Create(new ThrowingStream());
        var translator = new MessagesToChatStreamTranslator(new(StreamCases.Model), new InMemoryThinkingStore(), FixedTimeProvider.Default);
        var outcome = await translator.TranslateAsync(new MemoryStream(Fixtures.Bytes("streams/tool-use.sse")), client, CancellationToken.None);
        Assert.True(outcome.ClientDisconnected);
        Assert.Null(outcome.Error);
    }

    private sealed class ThrowingStream : MemoryStream
    {
        public override void Write(byte[] buffer, int offset, int count) => throw new IOException("connection reset by peer");
        public override void Write(ReadOnlySpan<byte> buffer) => throw new IOException("connection reset by peer");
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromException(new IOException("connection reset by peer"));
        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromException(new IOException("connection reset by peer"));
    }
}
