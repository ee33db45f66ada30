using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Gateway.Simulator.Caching;

/// <summary>
/// Cumulative prefix hashes at block boundaries: one SHA-256 over the scope, then each block's canonical JSON,
/// read out (not reset) after every block, so a request costs one pass over its bytes, not one per boundary.
/// What goes in, per the prompt caching docs:
///  - the scope: API key (caches are isolated per organization and workspace) and model;
///  - each block with its part (tools, system, messages) and, for the first block of a message, its role;
///    string content hashes like the text block it stands for;
///  - <c>cache_control</c> is left out: the docs' multi-turn table reads the prefix written by an earlier request's
///    breakpoint from a request whose breakpoint moved on, so the marker is not part of the cached content;
///  - key order is kept (the docs warn that randomized key order in tool_use input breaks caches);
///  - ahead of the first message block: tool_choice, the thinking configuration, output_config.effort and whether
///    any image is present ("What invalidates the cache": each invalidates the messages cache, not tools or system).
/// </summary>
internal static class PrefixHasher
{
    private static readonly JsonWriterOptions Compact = new() { Indented = false, SkipValidation = true };

    /// <summary>Keys for the prefixes ending at blocks 0..<paramref name="upTo"/>.</summary>
    public static UInt128[] Keys(PromptLayout layout, string apiKey, string model, int upTo)
    {
        var keys = new UInt128[upTo + 1];
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new ArrayBufferWriter<byte>(4096);
        using var writer = new Utf8JsonWriter(buffer, Compact);
        Span<byte> digest = stackalloc byte[32];

        Append(sha, buffer, writer, w =>
        {
            w.WriteStartArray();
            w.WriteStringValue(apiKey);
            w.WriteStringValue(model);
            w.WriteEndArray();
        });
        var part = '\0';
        for (var i = 0; i <= upTo; i++)
        {
            var block = layout.Blocks[i];
            if (block.Path[0] != part)
            {
                part = block.Path[0];
                var name = part switch { 't' => "tools", 's' => "system", _ => "messages" };
                Append(sha, buffer, writer, w => w.WriteStringValue(name));
                if (part == 'm') Append(sha, buffer, writer, w => MessagesConfig(w, layout));
            }
            if (block.StartsMessage is { } role) Append(sha, buffer, writer, w => w.WriteStringValue("role:" + role));
            Append(sha, buffer, writer, w => Block(w, block));
            sha.GetCurrentHash(digest);
            keys[i] = new UInt128(BitConverter.ToUInt64(digest[..8]), BitConverter.ToUInt64(digest[8..16]));
        }
        return keys;
    }

    private static void Append(IncrementalHash sha, ArrayBufferWriter<byte> buffer, Utf8JsonWriter writer, Action<Utf8JsonWriter> write)
    {
        buffer.ResetWrittenCount();
        writer.Reset(buffer);
        write(writer);
        writer.Flush();
        sha.AppendData(buffer.WrittenSpan);
        sha.AppendData("\u001e"u8);
    }

    private static void Block(Utf8JsonWriter w, PromptBlock block)
    {
        if (block.Kind == BlockKind.Text)
        {
            w.WriteStartObject();
            w.WriteString("type", "text");
            w.WriteString("text", block.Element.GetString());
            w.WriteEndObject();
            return;
        }
        Canonical(w, block.Element, skipCacheControl: true);
    }

    /// <summary>The rendered-into-the-prompt settings that invalidate the messages cache when they change.</summary>
    private static void MessagesConfig(Utf8JsonWriter w, PromptLayout layout)
    {
        var root = layout.Root;
        w.WriteStartObject();
        w.WritePropertyName("tool_choice");
        if (root.TryGetProperty("tool_choice", out var tc) && tc.ValueKind == JsonValueKind.Object) Canonical(w, tc, false); else w.WriteNullValue();
        w.WritePropertyName("thinking");
        if (root.TryGetProperty("thinking", out var th) && th.ValueKind == JsonValueKind.Object) Canonical(w, th, false); else w.WriteNullValue();
        // "Setting effort explicitly to the model's default is equivalent to omitting it" (high is the default).
        var effort = root.TryGetProperty("output_config", out var oc) && oc.ValueKind == JsonValueKind.Object
            && oc.TryGetProperty("effort", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
        w.WriteString("effort", effort is null or "high" ? "default" : effort);
        w.WriteBoolean("images", layout.HasImages);
        w.WriteEndObject();
    }

    /// <summary>Compact JSON in the request's key order; <c>cache_control</c> dropped except inside tool input and schemas.</summary>
    private static void Canonical(Utf8JsonWriter w, JsonElement e, bool skipCacheControl)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                w.WriteStartObject();
                foreach (var p in e.EnumerateObject())
                {
                    if (skipCacheControl && p.Name == "cache_control") continue;
                    w.WritePropertyName(p.Name);
                    Canonical(w, p.Value, skipCacheControl && p.Name is not ("input" or "input_schema"));
                }
                w.WriteEndObject();
                break;
            case JsonValueKind.Array:
                w.WriteStartArray();
                foreach (var item in e.EnumerateArray()) Canonical(w, item, skipCacheControl);
                w.WriteEndArray();
                break;
            case JsonValueKind.String:
                w.WriteStringValue(e.GetString());
                break;
            default:
                w.WriteRawValue(e.GetRawText(), skipInputValidation: true);
                break;
        }
    }
}
