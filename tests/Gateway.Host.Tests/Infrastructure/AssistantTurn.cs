using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gateway.Host.Tests.Infrastructure;

/// <summary>
/// One completion in either mode, read to the end and turned into the assistant message a client would store and send back
/// (content and tool_calls, rebuilt from the deltas when streamed), with the finish reason and the <c>X-Gateway-Adjustments</c> header.
/// </summary>
public sealed record AssistantTurn(JsonObject Message, string? Finish, string? Adjustments)
{
    public static async Task<AssistantTurn> CompleteAsync(GatewayFixture gw, JsonObject body, bool stream)
    {
        using var response = await gw.PostAsync("v1/chat/completions", body);
        var adjustments = response.Header("X-Gateway-Adjustments");
        if (!stream)
        {
            var json = await response.JsonAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, json.ToString());
            var choice = json.GetProperty("choices")[0];
            var message = JsonNode.Parse(choice.GetProperty("message").GetRawText())!.AsObject();
            return new AssistantTurn(message, choice.GetProperty("finish_reason").GetString(), adjustments);
        }

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sse = await SseStream.ReadAsync(response);
        Assert.Equal("[DONE]", sse.Data[^1]);
        var result = new JsonObject { ["role"] = "assistant", ["content"] = sse.Content };
        var calls = sse.ToolCallDeltas.GroupBy(d => d.GetProperty("index").GetInt32()).OrderBy(g => g.Key)
            .Select(g => (JsonNode)new JsonObject
            {
                ["id"] = g.First().GetProperty("id").GetString(),
                ["type"] = "function",
                ["function"] = new JsonObject
                {
                    ["name"] = g.First().GetProperty("function").GetProperty("name").GetString(),
                    ["arguments"] = string.Concat(g.Select(d => d.GetProperty("function").TryGetProperty("arguments", out var a) ? a.GetString() : "")),
                },
            }).ToArray();
        if (calls.Length > 0) result["tool_calls"] = new JsonArray(calls);
        var finish = sse.ChoiceChunks[^1].GetProperty("choices")[0].GetProperty("finish_reason");
        return new AssistantTurn(result, finish.ValueKind == JsonValueKind.String ? finish.GetString() : null, adjustments);
    }
}
