using System.Collections.Concurrent;
using Serilog.Core;
using Serilog.Events;

namespace Gateway.Host.Tests.Infrastructure;

/// <summary>Keeps every log event the gateway writes, so tests can read the request summary and prove no secret was logged.</summary>
public sealed class InMemoryLogSink : ILogEventSink
{
    private readonly ConcurrentQueue<LogEvent> _events = new();

    public void Emit(LogEvent logEvent) => _events.Enqueue(logEvent);

    public IReadOnlyList<LogEvent> Events => _events.ToArray();

    /// <summary>Every event rendered with all its properties and exception: the text a log store would receive.</summary>
    public string AllText()
    {
        var writer = new StringWriter();
        foreach (var e in _events)
        {
            writer.Write(e.RenderMessage());
            foreach (var (name, value) in e.Properties) writer.Write($" {name}={value}");
            if (e.Exception is not null) writer.Write(" " + e.Exception);
            writer.WriteLine();
        }
        return writer.ToString();
    }
}
