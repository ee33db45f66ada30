using System.Collections.Frozen;
using System.Text.Json;
using System.Text.RegularExpressions;
using static Gateway.Simulator.Validation.JsonChecks;

namespace Gateway.Simulator.Validation;

/// <summary>Messages and their content blocks.</summary>
internal sealed partial class RequestValidator
{
    private static readonly FrozenSet<string> MessageFields = FrozenSet.ToFrozenSet(["role", "content"]);
    private static readonly FrozenSet<string> TextFields = FrozenSet.ToFrozenSet(["type", "text", "cache_control", "citations"]);
    private static readonly FrozenSet<string> ImageFields = FrozenSet.ToFrozenSet(["type", "source", "cache_control"]);
    private static readonly FrozenSet<string> Base64SourceFields = FrozenSet.ToFrozenSet(["type", "media_type", "data"]);
    private static readonly FrozenSet<string> UrlSourceFields = FrozenSet.ToFrozenSet(["type", "url"]);
    private static readonly FrozenSet<string> FileSourceFields = FrozenSet.ToFrozenSet(["type", "file_id"]);
    private static readonly FrozenSet<string> DocumentFields = FrozenSet.ToFrozenSet(["type", "source", "title", "context", "citations", "cache_control"]);
    private static readonly FrozenSet<string> ToolUseFields = FrozenSet.ToFrozenSet(["type", "id", "name", "input", "cache_control", "caller"]);
    private static readonly FrozenSet<string> ToolResultFields = FrozenSet.ToFrozenSet(["type", "tool_use_id", "content", "is_error", "cache_control"]);
    private static readonly FrozenSet<string> ThinkingFields = FrozenSet.ToFrozenSet(["type", "thinking", "signature"]);
    private static readonly FrozenSet<string> RedactedThinkingFields = FrozenSet.ToFrozenSet(["type", "data"]);
    private static readonly FrozenSet<string> CacheControlFields = FrozenSet.ToFrozenSet(["type", "ttl"]);

    /// <summary>Assistant-side server tool blocks: accepted as history, not checked in depth.</summary>
    private static readonly FrozenSet<string> ServerBlocks = FrozenSet.ToFrozenSet(
    [
        "server_tool_use", "web_search_tool_result", "web_fetch_tool_result", "code_execution_tool_result",
        "bash_code_execution_tool_result", "text_editor_code_execution_tool_result", "mcp_tool_use", "mcp_tool_result",
        "tool_search_tool_result", "container_upload",
    ]);

    private static readonly string[] ImageMediaTypes = ["image/jpeg", "image/png", "image/gif", "image/webp"];
    private const int MaxImageBytes = 5 * 1024 * 1024;

    private static readonly string ExpectedTags = Alternatives(
        ["text", "image", "document", "search_result", "tool_use", "tool_result", "thinking", "redacted_thinking", .. ServerBlocks]);

    [GeneratedRegex("^[a-zA-Z0-9_-]+$")]
    private static partial Regex ToolUseIdPattern();

    private void Messages(JsonElement messages)
    {
        var count = messages.GetArrayLength();
        if (count == 0) throw Fail("messages", "List should have at least 1 item after validation, not 0");
        var i = 0;
        foreach (var message in messages.EnumerateArray())
        {
            var path = Join("messages", i);
            var final = i == count - 1;
            i++;
            Object(message, path);
            NoExtra(message, path, MessageFields);
            var role = Enum(Req(message, "role", path), Join(path, "role"), "user", "assistant");
            var content = Req(message, "content", path);
            var finalAssistant = final && role == "assistant";
            if (finalAssistant && _model.Rules.HasFlag(ModelRules.NoPrefill))
                throw Fail("", "This model does not support assistant message prefill. The conversation must end with a user message.");

            if (content.ValueKind == JsonValueKind.String)
            {
                var text = content.GetString()!;
                if (text.Length == 0)
                {
                    if (!finalAssistant) throw EmptyContent(path);
                    continue;
                }
                if (finalAssistant && char.IsWhiteSpace(text[^1])) throw TrailingWhitespace();
                if (string.IsNullOrWhiteSpace(text)) throw Fail(Join(path, "content"), "text content blocks must contain non-whitespace text");
                continue;
            }
            if (content.ValueKind != JsonValueKind.Array) throw Fail(Join(path, "content"), "Input should be a valid string or a valid list");
            var blocks = content.GetArrayLength();
            if (blocks == 0)
            {
                if (!finalAssistant) throw EmptyContent(path);
                continue;
            }
            if (finalAssistant && content[blocks - 1] is { ValueKind: JsonValueKind.Object } last
                && Opt(last, "type") is { ValueKind: JsonValueKind.String } lt && lt.GetString() == "text"
                && Opt(last, "text") is { ValueKind: JsonValueKind.String } lastText
                && lastText.GetString() is { Length: > 0 } lts && char.IsWhiteSpace(lts[^1]))
                throw TrailingWhitespace();
            var j = 0;
            foreach (var block in content.EnumerateArray()) Block(block, Join(Join(path, "content"), j++), role);
        }
    }

    private static ApiErrorException EmptyContent(string path) =>
        Fail(path, "all messages must have non-empty content except for the optional final assistant message");

    private static ApiErrorException TrailingWhitespace() =>
        Fail("messages", "final assistant content cannot end with trailing whitespace");

    /// <summary>One content block. <paramref name="role"/> is user, assistant, or tool_result (nested content).</summary>
    private void Block(JsonElement block, string path, string role)
    {
        Object(block, path);
        var type = String(Req(block, "type", path), Join(path, "type"));
        switch (type)
        {
            case "text": Text(block, path); break;
            case "image": Image(block, path); break;
            case "document": Document(block, path); break;
            case "search_result": break;
            case "tool_use": OnlyIn("assistant", role, type, path); ToolUse(block, path); break;
            case "tool_result": OnlyIn("user", role, type, path); ToolResult(block, path); break;
            case "thinking": OnlyIn("assistant", role, type, path); ThinkingBlock(block, path); break;
            case "redacted_thinking":
                OnlyIn("assistant", role, type, path);
                NoExtra(block, path, RedactedThinkingFields);
                if (String(Req(block, "data", path), Join(path, "data")).Length == 0) throw Fail(Join(path, "data"), "String should have at least 1 character");
                break;
            default:
                if (ServerBlocks.Contains(type) && role == "assistant") break;
                if (ServerBlocks.Contains(type)) { OnlyIn("assistant", role, type, path); break; }
                throw Fail(path, $"Input tag '{type}' found using 'type' does not match any of the expected tags: {ExpectedTags}");
        }
        if (type is not ("thinking" or "redacted_thinking") && Opt(block, "cache_control") is { } cc) CacheControl(cc, Join(path, "cache_control"));
    }

    private static void OnlyIn(string expected, string role, string type, string path)
    {
        if (role == "tool_result" && type is not ("tool_use" or "tool_result" or "thinking")) return;
        if (role != expected) throw Fail(path, $"`{type}` blocks can only be in `{expected}` messages");
    }

    private void Text(JsonElement block, string path)
    {
        NoExtra(block, path, TextFields);
        var text = String(Req(block, "text", path), Join(path, "text"));
        if (text.Length == 0) throw Fail(Join(path, "text"), "text content blocks must be non-empty");
        if (string.IsNullOrWhiteSpace(text)) throw Fail(Join(path, "text"), "text content blocks must contain non-whitespace text");
        if (Opt(block, "citations") is { } c) Array(c, Join(path, "citations"));
    }

    private void Image(JsonElement block, string path)
    {
        NoExtra(block, path, ImageFields);
        _images++;
        var sp = Join(path, "source");
        var source = Req(block, "source", path);
        Object(source, sp);
        var kind = Enum(Req(source, "type", sp), Join(sp, "type"), "base64", "url", "file");
        switch (kind)
        {
            case "base64":
                NoExtra(source, sp, Base64SourceFields);
                var mediaType = Enum(Req(source, "media_type", sp), Join(sp, "media_type"), ImageMediaTypes);
                var bytes = Base64(String(Req(source, "data", sp), Join(sp, "data")), Join(sp, "data"));
                if (bytes.Length > MaxImageBytes) throw Fail(sp, $"image exceeds 5 MB maximum: {bytes.Length} bytes > {MaxImageBytes} bytes");
                var actual = ImageSniffer.MediaType(bytes) ?? throw Fail(sp, "Could not process image");
                if (actual != mediaType)
                    throw Fail(sp, $"The image was specified using the {mediaType} media type, but the image appears to be a {actual} image");
                break;
            case "url":
                NoExtra(source, sp, UrlSourceFields);
                Url(String(Req(source, "url", sp), Join(sp, "url")), Join(sp, "url"));
                break;
            default:
                NoExtra(source, sp, FileSourceFields);
                String(Req(source, "file_id", sp), Join(sp, "file_id"));
                break;
        }
    }

    private static void Document(JsonElement block, string path)
    {
        NoExtra(block, path, DocumentFields);
        var sp = Join(path, "source");
        var source = Req(block, "source", path);
        Object(source, sp);
        var kind = Enum(Req(source, "type", sp), Join(sp, "type"), "base64", "text", "url", "content", "file");
        switch (kind)
        {
            case "base64":
                Enum(Req(source, "media_type", sp), Join(sp, "media_type"), "application/pdf");
                var pdf = Base64(String(Req(source, "data", sp), Join(sp, "data")), Join(sp, "data"));
                if (pdf.Length < 5 || pdf[0] != '%' || pdf[1] != 'P' || pdf[2] != 'D' || pdf[3] != 'F') throw Fail(sp, "The PDF specified was not valid.");
                break;
            case "text":
                Enum(Req(source, "media_type", sp), Join(sp, "media_type"), "text/plain");
                String(Req(source, "data", sp), Join(sp, "data"));
                break;
            case "url":
                Url(String(Req(source, "url", sp), Join(sp, "url")), Join(sp, "url"));
                break;
            case "content":
                Req(source, "content", sp);
                break;
            default:
                String(Req(source, "file_id", sp), Join(sp, "file_id"));
                break;
        }
        if (Opt(block, "title") is { } title) String(title, Join(path, "title"));
        if (Opt(block, "context") is { } context) String(context, Join(path, "context"));
    }

    private static void ToolUse(JsonElement block, string path)
    {
        NoExtra(block, path, ToolUseFields);
        var id = String(Req(block, "id", path), Join(path, "id"));
        if (!ToolUseIdPattern().IsMatch(id)) throw Fail(Join(path, "id"), "String should match pattern '^[a-zA-Z0-9_-]+$'");
        if (String(Req(block, "name", path), Join(path, "name")).Length == 0) throw Fail(Join(path, "name"), "String should have at least 1 character");
        var input = Req(block, "input", path);
        if (input.ValueKind != JsonValueKind.Object) throw Fail(Join(path, "input"), "Input should be a valid dictionary");
    }

    private void ToolResult(JsonElement block, string path)
    {
        NoExtra(block, path, ToolResultFields);
        var id = String(Req(block, "tool_use_id", path), Join(path, "tool_use_id"));
        if (!ToolUseIdPattern().IsMatch(id)) throw Fail(Join(path, "tool_use_id"), "String should match pattern '^[a-zA-Z0-9_-]+$'");
        if (Opt(block, "is_error") is { } e) Bool(e, Join(path, "is_error"));
        if (Opt(block, "content") is not { } content || content.ValueKind == JsonValueKind.String) return;
        var cp = Join(path, "content");
        if (content.ValueKind != JsonValueKind.Array) throw Fail(cp, "Input should be a valid string or a valid list");
        var i = 0;
        foreach (var inner in content.EnumerateArray())
        {
            var ip = Join(cp, i++);
            Object(inner, ip);
            var type = String(Req(inner, "type", ip), Join(ip, "type"));
            if (type is not ("text" or "image" or "document" or "search_result"))
                throw Fail(ip, $"Input tag '{type}' found using 'type' does not match any of the expected tags: 'text', 'image', 'search_result' or 'document'");
            Block(inner, ip, "tool_result");
        }
    }

    private void ThinkingBlock(JsonElement block, string path)
    {
        NoExtra(block, path, ThinkingFields);
        var thinking = String(Req(block, "thinking", path), Join(path, "thinking"));
        var signature = String(Req(block, "signature", path), Join(path, "signature"));
        // Signatures are bound to the model that produced the block (Opus 5.5: "thinking blocks are tied to the model").
        if (!signer.Verify(_model.CanonicalId, thinking, signature)) throw Fail(path, "Invalid `signature` in `thinking` block");
    }

    private void CacheControl(JsonElement cc, string path, bool count = true)
    {
        Object(cc, path);
        NoExtra(cc, path, CacheControlFields);
        Enum(Req(cc, "type", path), Join(path, "type"), "ephemeral");
        if (Opt(cc, "ttl") is { } ttl) Enum(ttl, Join(path, "ttl"), "5m", "1h");
        if (count) _cacheControls++;
    }

    private static byte[] Base64(string data, string path)
    {
        var buffer = new byte[(data.Length * 3 / 4) + 3];
        if (data.Length == 0 || !Convert.TryFromBase64String(data, buffer, out var written))
            throw Fail(path, "Invalid base64 data");
        return buffer.AsSpan(0, written).ToArray();
    }

    private static void Url(string url, string path)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw Fail(path, "Input should be a valid URL");
    }
}
