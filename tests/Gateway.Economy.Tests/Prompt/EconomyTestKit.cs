using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Gateway.Core.Models;
using Gateway.Core.Protocol.Anthropic;
using Gateway.Core.Protocol.OpenAi;
using Gateway.Core.Translation;
using Gateway.Simulator;

namespace Gateway.Economy.Tests.Prompt;

/// <summary>Recorded sessions, the Core translator, and a real simulator to send the planned requests to.</summary>
internal static class EconomyTestKit
{
    public const string Model = "claude-sonnet-4-5-20250929";

    public static readonly ModelCatalogue Catalogue = ModelCatalogue.LoadDefault();

    public static ModelEntry Sonnet => Catalogue.TryGet(Model, out var e) ? e : throw new InvalidOperationException(Model);

    /// <summary>The sessions the agent-loop tests replay (file names under the test output's fixtures/).</summary>
    public static readonly string[] Sessions =
    [
        "openai/continue-session-1.jsonl",
        "sessions/continue-bugfix-bulk-discount.jsonl",
        "sessions/continue-explain-streaming.jsonl",
        "sessions/continue-refactor-receipt.jsonl",
        "sessions/continue-feature-csv-two-turns.jsonl",
        "sessions/continue-feature-coupon-long.jsonl",
        "sessions/continue-investigate-cap-cache.jsonl",
    ];

    /// <summary>Each recorded request of a session, translated as the gateway's step 4 does (non-streaming for the test).</summary>
    public static List<MessagesRequest> LoadSession(string file)
    {
        var translator = new ChatToMessagesRequestTranslator(Catalogue, new TranslationOptions()); // no earlier responses here: no stored thinking
        var requests = new List<MessagesRequest>();
        foreach (var line in File.ReadLines(Path.Combine(AppContext.BaseDirectory, "fixtures", file)))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            using var doc = JsonDocument.Parse(line);
            var body = Encoding.UTF8.GetBytes(doc.RootElement.GetProperty("body").GetRawText());
            var request = translator.Translate(ChatCompletionRequestParser.Parse(body), Model).Request;
            request.Stream = null;
            requests.Add(request);
        }
        return requests;
    }

    public static string Serialize(MessagesRequest request) =>
        JsonSerializer.Serialize(request, AnthropicRequestJsonContext.Default.MessagesRequest);

    /// <summary>Simple conversation builders for table-driven tests.</summary>
    public static MessagesRequestMessage User(params MessagesRequestContentBlock[] blocks) => new() { Role = "user", Content = [.. blocks] };

    public static MessagesRequestMessage Assistant(params MessagesRequestContentBlock[] blocks) => new() { Role = "assistant", Content = [.. blocks] };

    public static MessagesRequestContentBlock Text(string text) => MessagesRequestContentBlock.TextBlock(text);

    public static MessagesRequestContentBlock Call(string id, string name = "read_file", string arg = "a.txt") =>
        MessagesRequestContentBlock.ToolUse(id, name, JsonDocument.Parse($$"""{"path":"{{arg}}"}""").RootElement.Clone());

    public static MessagesRequestContentBlock Result(string id, string text) => MessagesRequestContentBlock.ToolResult(id, [Text(text)]);

    public static MessagesRequestTool Tool(string name, string description = "Reads a file.") => new()
    {
        Name = name,
        Description = description,
        InputSchema = JsonDocument.Parse("""{"type":"object","properties":{"path":{"type":"string"}},"required":["path"]}""").RootElement.Clone(),
    };

    /// <summary>Deterministic filler of roughly <paramref name="words"/> tokens (distinct per seed).</summary>
    public static string Filler(int words, string seed = "w") =>
        string.Join(' ', Enumerable.Range(0, words).Select(i => seed + (i % 97)));
}

/// <summary>What the simulator billed for one request.</summary>
internal sealed record SimUsage(int Status, int Input, int CacheRead, int CacheCreation, string Body)
{
    public int Total => Input + CacheRead + CacheCreation;
    public double ReadShare => Total == 0 ? 0 : (double)CacheRead / Total;
}

/// <summary>A real simulator on loopback and a client for it.</summary>
internal sealed class SimulatorClient : IAsyncDisposable
{
    private readonly SimulatorServer _server;
    private readonly HttpClient _http = new();

    private SimulatorClient(SimulatorServer server) => _server = server;

    public static async Task<SimulatorClient> StartAsync() => new(await SimulatorServer.StartAsync(new SimulatorOptions()));

    public async Task<SimUsage> SendAsync(MessagesRequest request, string apiKey)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, new Uri(_server.BaseUrl, "v1/messages"));
        message.Headers.Add("x-api-key", apiKey);
        message.Headers.Add("anthropic-version", "2023-06-01");
        message.Content = new StringContent(EconomyTestKit.Serialize(request), Encoding.UTF8);
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await _http.SendAsync(message);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) return new SimUsage((int)response.StatusCode, 0, 0, 0, body);
        using var doc = JsonDocument.Parse(body);
        var usage = doc.RootElement.GetProperty("usage");
        int Get(string name) => usage.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : 0;
        return new SimUsage((int)response.StatusCode, Get("input_tokens"), Get("cache_read_input_tokens"), Get("cache_creation_input_tokens"), body);
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }
}
