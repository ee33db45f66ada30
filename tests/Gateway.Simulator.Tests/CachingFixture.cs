using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gateway.Simulator.Tests;

/// <summary>A simulator whose prompt-cache clock the tests move by hand.</summary>
public sealed class CachingFixture : IAsyncLifetime
{
    public ManualTime Time { get; } = new();
    public SimulatorServer Server { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await SimulatorServer.StartAsync(new SimulatorOptions { Time = Time });
        Http = Sim.Client(Server);
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
    }
}

/// <summary>A clock that only moves when told.</summary>
public sealed class ManualTime : TimeProvider
{
    private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}

/// <summary>The input side of usage, as reported.</summary>
public sealed record Usage(int Input, int Read, int Creation, int Write5m, int Write1h)
{
    public int Total => Input + Read + Creation;

    public static Usage From(JsonElement usage, bool full = true) => new(
        usage.GetProperty("input_tokens").GetInt32(),
        usage.GetProperty("cache_read_input_tokens").GetInt32(),
        usage.GetProperty("cache_creation_input_tokens").GetInt32(),
        full ? usage.GetProperty("cache_creation").GetProperty("ephemeral_5m_input_tokens").GetInt32() : -1,
        full ? usage.GetProperty("cache_creation").GetProperty("ephemeral_1h_input_tokens").GetInt32() : -1);
}

/// <summary>Builds Messages requests as JSON nodes; token counts follow the simulator's chars / 4 estimate.</summary>
public static class Prompt
{
    /// <summary>Text of exactly <paramref name="tokens"/> estimated tokens (4 chars each), unique per <paramref name="salt"/>.</summary>
    public static string Text(int tokens, string salt)
    {
        var head = $"[{salt}] ";
        return head + new string('x', tokens * 4 - head.Length);
    }

    public static JsonObject Cc(string? ttl = null) => ttl is null
        ? new JsonObject { ["type"] = "ephemeral" }
        : new JsonObject { ["type"] = "ephemeral", ["ttl"] = ttl };

    public static JsonObject TextBlock(string text, JsonObject? cc = null)
    {
        var block = new JsonObject { ["type"] = "text", ["text"] = text };
        if (cc is not null) block["cache_control"] = cc;
        return block;
    }

    public static JsonObject Message(string role, params JsonObject[] blocks) =>
        new() { ["role"] = role, ["content"] = new JsonArray(blocks.Select(b => (JsonNode)b).ToArray()) };

    public static JsonObject Request(string model, JsonArray messages, JsonArray? system = null, JsonArray? tools = null)
    {
        var request = new JsonObject { ["model"] = model, ["max_tokens"] = 1024 };
        if (tools is not null) request["tools"] = tools;
        if (system is not null) request["system"] = system;
        request["messages"] = messages;
        return request;
    }

    public static JsonObject Tool(string name, string description, JsonObject? cc = null)
    {
        var tool = new JsonObject
        {
            ["name"] = name,
            ["description"] = description,
            ["input_schema"] = new JsonObject { ["type"] = "object", ["properties"] = new JsonObject { ["path"] = new JsonObject { ["type"] = "string" } } },
        };
        if (cc is not null) tool["cache_control"] = cc;
        return tool;
    }

    public static JsonArray Array(params JsonNode[] items) => new(items);

    public static JsonObject Copy(JsonObject o) => (JsonObject)o.DeepClone();
}
