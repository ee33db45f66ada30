using System.Text;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;

namespace Gateway.Host.Observability;

/// <summary>
/// Standard output for the request log, written in batches: Serilog's batching queue (bounded, dropping when full) hands over
/// whatever accumulated, it is formatted into one buffered writer and flushed once per batch. One write system call per
/// batch instead of one (plus a flush) per event; a request thread only enqueues.
/// </summary>
internal sealed class BufferedConsoleSink(ITextFormatter formatter) : IBatchedLogEventSink, IDisposable
{
    private readonly StreamWriter _out = new(Console.OpenStandardOutput(), new UTF8Encoding(false), bufferSize: 64 * 1024) { AutoFlush = false };

    public Task EmitBatchAsync(IReadOnlyCollection<LogEvent> batch)
    {
        foreach (var e in batch) formatter.Format(e, _out);
        _out.Flush();
        return Task.CompletedTask;
    }

    public Task OnEmptyBatchAsync() => Task.CompletedTask;

    public void Dispose() => _out.Dispose();
}
