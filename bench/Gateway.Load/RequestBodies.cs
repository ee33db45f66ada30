using System.Buffers;
using System.Text.Json;

namespace Gateway.Load;

/// <summary>
/// The measured conversation (Bodies/*.json, ~4.7 KB): a system prompt, a tool-using exchange over three turns,
/// two tool definitions. The Anthropic body is what the gateway makes of the OpenAI one, so both sides ask the
/// simulator for the same work. Stream variants add <c>stream: true</c> (and OpenAI's <c>include_usage</c>).
/// </summary>
public static class RequestBodies
{
    public static byte[] ChatCompletions(bool stream) => Load("chat-completions.json", stream, includeUsage: true);

    public static byte[] Messages(bool stream) => Load("messages.json", stream, includeUsage: false);

    private static byte[] Load(string file, bool stream, bool includeUsage)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Bodies", file)));
        var buffer = new ArrayBufferWriter<byte>(8192);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            foreach (var p in doc.RootElement.EnumerateObject()) p.WriteTo(w);
            if (stream)
            {
                w.WriteBoolean("stream", true);
                if (includeUsage)
                {
                    w.WriteStartObject("stream_options");
                    w.WriteBoolean("include_usage", true);
                    w.WriteEndObject();
                }
            }
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The OpenAI body with <paramref name="directive"/> appended to the last user message (a string content).</summary>
    public static byte[] ChatCompletionsWithDirective(string directive, bool stream)
    {
        var root = System.Text.Json.Nodes.JsonNode.Parse(ChatCompletions(stream))!.AsObject();
        var last = root["messages"]!.AsArray()[^1]!.AsObject();
        last["content"] = last["content"]!.GetValue<string>() + " " + directive;
        var buffer = new ArrayBufferWriter<byte>(8192);
        using (var w = new Utf8JsonWriter(buffer)) root.WriteTo(w);
        return buffer.WrittenSpan.ToArray();
    }
}

