using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gateway.Core.Protocol.Anthropic;

namespace Gateway.Economy.Cache;

/// <summary>
/// The response cache key: SHA-256 (lower-case hex) over the profile name and the normalized upstream request — the serialized
/// <see cref="MessagesRequest"/> without <c>stream</c> (a streamed and a non-stream request get the same answer), <c>metadata</c>
/// (per end user, not part of the question) and every <c>cache_control</c> (prompt-cache breakpoints move between turns and change the
/// price, not the answer). Everything else counts: model, max_tokens, temperature, system, messages, tools, tool_choice, thinking.
/// </summary>
public static class ResponseCacheKey
{
    private static readonly byte[] Domain = "claude-gateway/response-cache/v1\n"u8.ToArray();

    /// <summary>The key of a request serialized once (<see cref="SerializedMessagesRequest.Content"/>: the writer leaves out
    /// <c>stream</c>, <c>metadata</c> and every <c>cache_control</c>), without serializing it again.</summary>
    public static string Compute(SerializedMessagesRequest upstream, string profile)
    {
        ArgumentNullException.ThrowIfNull(upstream);
        ArgumentNullException.ThrowIfNull(profile);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Domain);
        sha.AppendData(Encoding.UTF8.GetBytes(profile));
        sha.AppendData("\n"u8);
        sha.AppendData(upstream.Content);
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>The key of a request not serialized yet (tests, tools): serializes it, then <see cref="Compute(SerializedMessagesRequest, string)"/>.</summary>
    public static string Compute(MessagesRequest upstream, string profile)
    {
        ArgumentNullException.ThrowIfNull(upstream);
        using var serialized = SerializedMessagesRequest.Create(upstream);
        return Compute(serialized, profile);
    }

    /// <summary>The request JSON as it is hashed (for tests and <c>policy explain</c>-style diagnostics).</summary>
    internal static ArrayBufferWriter<byte> Normalize(ReadOnlySpan<byte> requestJson)
    {
        var buffer = new ArrayBufferWriter<byte>(requestJson.Length);
        var reader = new Utf8JsonReader(requestJson);
        using var doc = JsonDocument.ParseValue(ref reader);
        using var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true });
        WriteObject(doc.RootElement, w, Shape.Request);
        w.Flush();
        return buffer;
    }

    /// <summary>Where in the Messages request shape an object sits: decides which properties are dropped and how children are read.</summary>
    private enum Shape { Request, Message, Block, Tool }

    private static void WriteObject(JsonElement obj, Utf8JsonWriter w, Shape shape)
    {
        if (obj.ValueKind != JsonValueKind.Object)
        {
            obj.WriteTo(w);
            return;
        }
        w.WriteStartObject();
        foreach (var p in obj.EnumerateObject())
        {
            if (p.NameEquals("cache_control")) continue;
            if (shape == Shape.Request && (p.NameEquals("stream") || p.NameEquals("metadata"))) continue;
            w.WritePropertyName(p.Name);
            var child = (shape, p.Name) switch
            {
                (Shape.Request, "system") => Shape.Block,
                (Shape.Request, "messages") => Shape.Message,
                (Shape.Request, "tools") => Shape.Tool,
                (Shape.Message, "content") => Shape.Block,
                (Shape.Block, "content") => Shape.Block, // tool_result content blocks
                _ => (Shape?)null,
            };
            if (child is { } c && p.Value.ValueKind == JsonValueKind.Array)
            {
                w.WriteStartArray();
                foreach (var item in p.Value.EnumerateArray()) WriteObject(item, w, c);
                w.WriteEndArray();
            }
            else p.Value.WriteTo(w); // input_schema, tool inputs and everything else: verbatim
        }
        w.WriteEndObject();
    }
}
