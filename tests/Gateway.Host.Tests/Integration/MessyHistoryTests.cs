using System.Net;
using System.Text.Json.Nodes;
using Gateway.Host.Tests.Infrastructure;

namespace Gateway.Host.Tests.Integration;

/// <summary>
/// Histories real clients send that the Messages API would reject as they are: the gateway must repair them so the
/// strict simulator accepts the request (an upstream 4xx fails the test), in both modes.
/// </summary>
public sealed class MessyHistoryTests(DefaultGateway fixture) : IClassFixture<DefaultGateway>
{
    private GatewayFixture Gw => fixture.Gateway;

    // A JPEG header (magic FF D8 FF) and a PNG one: the simulator checks magic bytes against the declared type.
    private static readonly string Jpeg = Convert.ToBase64String([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0xFF, 0xD9]);
    private static readonly string Png = Convert.ToBase64String([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00]);

    public static TheoryData<string, bool, string> Cases()
    {
        var data = new TheoryData<string, bool, string>();
        foreach (var name in History.Keys)
            foreach (var stream in (bool[])[false, true])
                foreach (var model in (string[])["claude-sonnet-4-5", "gpt-4o"])
                    data.Add(name, stream, model);
        return data;
    }

    private static readonly Dictionary<string, Func<string, JsonArray>> History = new()
    {
        ["blank-assistant-messages"] = m => Msgs(User("first question"), Assistant(""), User("second"), Assistant("   "), User("third"),
            new JsonObject { ["role"] = "assistant", ["content"] = null }, User(m)),
        ["trailing-whitespace-final-assistant"] = m => Msgs(User(m), Assistant("Sure, here is the start  \n\n")),
        ["tool-message-without-call"] = m => Msgs(User("hello"), Assistant("hi"), Tool("call_orphan_1", "orphan result"), User(m)),
        ["missing-tool-result"] = m => Msgs(User("read it"), AssistantCalls(("call_missing_1", "read_file", """{"path":"a.txt"}""")), User(m)),
        ["foreign-tool-call-ids"] = m => Msgs(User("read two"),
            AssistantCalls(("functions.Read:0", "read_file", """{"path":"a.txt"}"""), ("functions.Read:1", "read_file", """{"path":"b.txt"}""")),
            Tool("functions.Read:0", "contents of a"), Tool("functions.Read:1", "contents of b"), User(m)),
        ["tool-results-out-of-order-with-text"] = m => Msgs(User("read"),
            AssistantCalls(("call_a", "read_file", """{"path":"a.txt"}"""), ("call_b", "read_file", """{"path":"b.txt"}""")),
            Tool("call_b", "b"), Tool("call_a", "a"), User(m)),
        ["empty-tool-result-and-bad-arguments"] = m => Msgs(User("read"),
            AssistantCalls(("call_e", "read_file", "{not json")), Tool("call_e", ""), User(m)),
        ["image-jpg-mime"] = m => Msgs(UserParts(m, $"data:image/jpg;base64,{Jpeg}")),
        ["image-wrong-declared-type"] = m => Msgs(UserParts(m, $"data:image/png;base64,{Jpeg}")),
        ["image-png-declared-jpeg"] = m => Msgs(UserParts(m, $"data:image/jpeg;base64,{Png}")),
        ["consecutive-user-and-system-late"] = m => Msgs(User("one"), User("two"), new JsonObject { ["role"] = "system", ["content"] = "late system" }, User(m)),
        ["developer-role-and-empty-parts"] = m => Msgs(new JsonObject { ["role"] = "developer", ["content"] = "Be brief." },
            new JsonObject { ["role"] = "user", ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = "" }, new JsonObject { ["type"] = "text", ["text"] = m }) }),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task MessyHistory_IsRepaired_UpstreamAccepts(string name, bool stream, string model)
    {
        var marker = $"messy-{name}-{stream}-{model}";
        var body = new JsonObject
        {
            ["model"] = model,
            ["messages"] = History[name](marker),
            ["tools"] = new JsonArray(Http.Tool("read_file")),
        };
        if (stream) body["stream"] = true;

        using var response = await Gw.PostAsync("v1/chat/completions", body);
        var text = await response.Content.ReadAsStringAsync();
        var upstream = Gw.Simulator.Requests.Where(r => r.Body.Contains(marker, StringComparison.Ordinal)).ToList();
        var rejected = upstream.FirstOrDefault(r => r.Status != 200);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}\nupstream got: {upstream.LastOrDefault()?.Body}");
        Assert.True(rejected is null, $"upstream answered {rejected?.Status} to: {rejected?.Body}");
        Assert.Single(upstream);
        if (stream)
        {
            var sse = SseStream.Parse(text);
            Assert.Equal("[DONE]", sse.Data[^1]);
            Assert.DoesNotContain(sse.Json, j => j.TryGetProperty("error", out _));
        }
    }

    private static JsonArray Msgs(params JsonNode[] messages) => new(messages);
    private static JsonObject User(string text) => new() { ["role"] = "user", ["content"] = text };
    private static JsonObject Assistant(string text) => new() { ["role"] = "assistant", ["content"] = text };
    private static JsonObject Tool(string id, string content) => new() { ["role"] = "tool", ["tool_call_id"] = id, ["content"] = content };

    private static JsonObject AssistantCalls(params (string Id, string Name, string Arguments)[] calls) => new()
    {
        ["role"] = "assistant",
        ["content"] = null,
        ["tool_calls"] = new JsonArray(calls.Select(c => (JsonNode)new JsonObject
        {
            ["id"] = c.Id,
            ["type"] = "function",
            ["function"] = new JsonObject { ["name"] = c.Name, ["arguments"] = c.Arguments },
        }).ToArray()),
    };

    private static JsonObject UserParts(string text, string imageUrl) => new()
    {
        ["role"] = "user",
        ["content"] = new JsonArray(
            new JsonObject { ["type"] = "text", ["text"] = text },
            new JsonObject { ["type"] = "image_url", ["image_url"] = new JsonObject { ["url"] = imageUrl } }),
    };
}
