using System.Text.Json;

namespace Gateway.Simulator.Tests;

/// <summary>One parsed server-sent event.</summary>
public sealed record SseEvent(string Name, JsonElement Data)
{
    /// <summary>Parses a complete SSE body; asserts every event has both lines and that data.type matches the event name.</summary>
    public static List<SseEvent> Parse(string body)
    {
        var events = new List<SseEvent>();
        foreach (var chunk in body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            var lines = chunk.Split('\n');
            Assert.Equal(2, lines.Length);
            Assert.StartsWith("event: ", lines[0]);
            Assert.StartsWith("data: ", lines[1]);
            var name = lines[0]["event: ".Length..];
            var data = JsonDocument.Parse(lines[1]["data: ".Length..]).RootElement.Clone();
            Assert.Equal(name, data.GetProperty("type").GetString());
            events.Add(new SseEvent(name, data));
        }
        return events;
    }
}
