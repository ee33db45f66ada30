using System.Text.Json;
using Gateway.Core.Errors;

namespace Gateway.Core.Protocol.OpenAi;

/// <summary>
/// Parses a Chat Completions body. Every failure is a <see cref="GatewayException"/> 400
/// (<c>invalid_request_error</c>) naming the field, never another exception type.
/// </summary>
public static class ChatCompletionRequestParser
{
    private static readonly HashSet<string> Roles = ["system", "developer", "user", "assistant", "tool", "function"];

    public static ChatCompletionRequest Parse(ReadOnlySpan<byte> utf8Json)
    {
        if (utf8Json.IsEmpty)
            throw GatewayException.BadRequest("The request body is empty; expected a JSON object.", null, "invalid_json");

        ChatCompletionRequest? request;
        try
        {
            request = JsonSerializer.Deserialize(utf8Json, ChatCompletionRequestJsonContext.Default.ChatCompletionRequest);
        }
        catch (JsonException e)
        {
            var param = ParamFromPath(e.Path);
            var what = param is null ? "The request body is not valid JSON" : $"Invalid value for '{param}'";
            var line = e.LineNumber is { } l ? $" (line {l + 1}, byte {e.BytePositionInLine + 1})" : "";
            throw GatewayException.BadRequest($"{what}{line}.", param, param is null ? "invalid_json" : "invalid_type");
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException or ArgumentException or FormatException)
        {
            throw GatewayException.BadRequest("The request body could not be read as a chat completion request.", null, "invalid_json");
        }

        if (request is null)
            throw GatewayException.BadRequest("The request body must be a JSON object.", null, "invalid_json");
        Validate(request);
        return request;
    }

    private static void Validate(ChatCompletionRequest r)
    {
        if (r.Messages is null)
            throw GatewayException.BadRequest("Missing required parameter: 'messages'.", "messages", "missing_required_parameter");
        if (r.Messages.Count == 0)
            throw GatewayException.BadRequest("'messages' must contain at least one message.", "messages", "empty_array");
        for (var i = 0; i < r.Messages.Count; i++)
        {
            var m = r.Messages[i];
            if (m is null)
                throw GatewayException.BadRequest($"messages[{i}] must be an object.", $"messages[{i}]", "invalid_type");
            if (m.Role is null)
                throw GatewayException.BadRequest($"Missing required parameter: 'messages[{i}].role'.", $"messages[{i}].role", "missing_required_parameter");
            if (!Roles.Contains(m.Role))
                throw GatewayException.BadRequest($"Invalid value '{Truncate(m.Role)}' for 'messages[{i}].role': expected one of system, developer, user, assistant, tool, function.", $"messages[{i}].role", "invalid_value");
            if (m.Content is { } c && c.ValueKind is not (JsonValueKind.String or JsonValueKind.Array or JsonValueKind.Null))
                throw GatewayException.BadRequest($"Invalid type for 'messages[{i}].content': expected a string or an array of content parts.", $"messages[{i}].content", "invalid_type");
            if (m.Role == "tool" && string.IsNullOrEmpty(m.ToolCallId))
                throw GatewayException.BadRequest($"Missing required parameter: 'messages[{i}].tool_call_id'.", $"messages[{i}].tool_call_id", "missing_required_parameter");
        }
        if (r.Tools is not null)
            for (var i = 0; i < r.Tools.Count; i++)
                if (string.IsNullOrWhiteSpace(r.Tools[i]?.Function?.Name) && (r.Tools[i]?.Type ?? "function") == "function")
                    throw GatewayException.BadRequest($"Missing required parameter: 'tools[{i}].function.name'.", $"tools[{i}].function.name", "missing_required_parameter");
        if (r.Functions is not null)
            for (var i = 0; i < r.Functions.Count; i++)
                if (string.IsNullOrWhiteSpace(r.Functions[i]?.Name))
                    throw GatewayException.BadRequest($"Missing required parameter: 'functions[{i}].name'.", $"functions[{i}].name", "missing_required_parameter");
    }

    /// <summary><c>$.messages[2].content</c> -> <c>messages[2].content</c>; <c>$</c> or null -> null.</summary>
    internal static string? ParamFromPath(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$") return null;
        var p = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
        return p.Length == 0 ? null : p;
    }

    private static string Truncate(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
