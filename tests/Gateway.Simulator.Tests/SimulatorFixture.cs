using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Gateway.Simulator.Tests;

/// <summary>One simulator on a loopback port, shared by a test class.</summary>
public sealed class SimulatorFixture : IAsyncLifetime
{
    public SimulatorServer Server { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await SimulatorServer.StartAsync(new SimulatorOptions { RecordLimit = 1000 });
        Http = Sim.Client(Server);
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
    }
}

/// <summary>Request helpers: JSON written with single quotes for readability (no apostrophes in test data).</summary>
public static class Sim
{
    public const string Png1x1 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
    public const string JpegHeader = "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAEBAQ==";

    public static HttpClient Client(SimulatorServer server, string key = "test-key")
    {
        var http = new HttpClient { BaseAddress = server.BaseUrl, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Add("x-api-key", key);
        http.DefaultRequestHeaders.Add("anthropic-version", "2023-06-01");
        return http;
    }

    public static string J(string singleQuoted) => singleQuoted.Replace('\'', '"');

    /// <summary>A request body: model, max_tokens 1024, the given messages JSON and extra top-level fields.</summary>
    public static string Body(string messages, string extra = "", string model = "claude-sonnet-4-5", int maxTokens = 1024) =>
        J($"{{'model':'{model}','max_tokens':{maxTokens},'messages':{messages}{(extra.Length > 0 ? "," + extra : "")}}}");

    /// <summary>One user message; single quotes inside <paramref name="text"/> become escaped double quotes.</summary>
    public static string User(string text) => $"[{{'role':'user','content':'{Enc(text)}'}}]";

    /// <summary>JSON string content (without quotes) that survives <see cref="J"/>.</summary>
    public static string Enc(string text) => JsonEncodedText.Encode(text.Replace('\'', '"')).ToString();

    public static async Task<(int Status, string Body, HttpResponseMessage Response)> PostAsync(HttpClient http, string body, string path = "/v1/messages")
    {
        var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var response = await http.PostAsync(path, content);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(), response);
    }

    public static async Task<JsonElement> OkAsync(HttpClient http, string body)
    {
        var (status, text, _) = await PostAsync(http, body);
        Assert.True(status == 200, $"expected 200, got {status}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static string ErrorMessage(string body) => JsonDocument.Parse(body).RootElement.GetProperty("error").GetProperty("message").GetString()!;
    public static string ErrorType(string body) => JsonDocument.Parse(body).RootElement.GetProperty("error").GetProperty("type").GetString()!;
}
