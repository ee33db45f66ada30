using System.Text.Json;
using System.Text.RegularExpressions;
using Gateway.Simulator.Validation;

namespace Gateway.Simulator.Behaviour;

/// <summary>
/// A tiny deterministic agent for IDE clients that cannot put directives in the conversation.
/// Stateless: the step is derived from the history.
///  1. a list tool (List, ls, list_dir, builtin_ls ...) offered and not yet called: call it on ".";
///  2. a read tool (Read, read_file, builtin_read_file ...) offered and not yet called: read the file the
///     user named, else one from the listing (README first), else README.md;
///  3. answer with the first line of the file read.
/// Arguments follow the tool's input_schema: required properties are filled by name and type.
/// </summary>
internal static partial class AgentScript
{
    [GeneratedRegex(@"[A-Za-z0-9_][A-Za-z0-9_./-]*\.[A-Za-z0-9]{1,8}\b")]
    private static partial Regex FileName();

    public static List<PlannedBlock> Next(ValidatedRequest request, string userText)
    {
        var listTool = request.Tools.FirstOrDefault(t => IsList(t.Name));
        var readTool = request.Tools.FirstOrDefault(t => IsRead(t.Name));
        var calls = new List<(string Id, string Name, JsonElement Input)>();
        var results = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var m in request.Messages.EnumerateArray())
        {
            foreach (var b in Conversation.Blocks(m, "tool_use"))
                calls.Add((b.GetProperty("id").GetString()!, b.GetProperty("name").GetString()!, b.GetProperty("input")));
            foreach (var b in Conversation.Blocks(m, "tool_result"))
                results[b.GetProperty("tool_use_id").GetString()!] = Conversation.ResultText(b);
        }

        if (listTool is not null && !calls.Exists(c => c.Name == listTool.Name))
            return [Call(listTool, ".")];

        var readCall = readTool is null ? default : calls.Find(c => c.Name == readTool.Name);
        if (readTool is not null && readCall.Id is null)
        {
            var listing = listTool is null ? "" : string.Join("\n", calls.Where(c => c.Name == listTool.Name).Select(c => results.GetValueOrDefault(c.Id, "")));
            return [Call(readTool, ChooseFile(userText, listing))];
        }

        if (readCall.Id is not null)
        {
            var file = FirstString(readCall.Input) ?? "the file";
            var content = results.GetValueOrDefault(readCall.Id, "");
            // IDE tools wrap file contents in a header line (Continue's Read: "Content of README.md:"); skip it to quote the file itself.
            var firstLine = content.Split('\n').Select(l => l.Trim())
                .Where(l => l.Length > 0)
                .SkipWhile(l => l.EndsWith(':') && l.Contains(Path.GetFileName(file), StringComparison.OrdinalIgnoreCase))
                .FirstOrDefault() ?? "(empty)";
            return [PlannedBlock.TextBlock($"The first line of {file} is: {firstLine}")];
        }
        return [PlannedBlock.TextBlock("Agent finished: no file tools were offered.")];
    }

    private static bool IsList(string name)
    {
        var n = name.ToLowerInvariant();
        return n is "ls" or "list" || n.EndsWith("_ls", StringComparison.Ordinal) || n.Contains("list_dir") || n.Contains("list_files") || n.Contains("listdir")
            || (n.StartsWith("list", StringComparison.Ordinal) && !n.Contains("read"));
    }

    private static bool IsRead(string name)
    {
        var n = name.ToLowerInvariant();
        return n is "read" or "cat" or "view" or "read_file" or "readfile" || n.EndsWith("_read_file", StringComparison.Ordinal)
            || n.EndsWith("_read", StringComparison.Ordinal) || (n.StartsWith("read", StringComparison.Ordinal) && !n.Contains("many"));
    }

    private static string ChooseFile(string userText, string listing)
    {
        var named = FileName().Matches(userText).Select(m => m.Value).FirstOrDefault();
        if (named is not null) return named;
        var listed = FileName().Matches(listing).Select(m => m.Value).ToList();
        return listed.Find(f => Path.GetFileName(f).StartsWith("README", StringComparison.OrdinalIgnoreCase))
            ?? listed.FirstOrDefault() ?? "README.md";
    }

    private static PlannedBlock Call(ToolSpec tool, string pathValue)
    {
        var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            foreach (var (name, schema) in ArgumentsFor(tool))
            {
                var type = schema is { ValueKind: JsonValueKind.Object } s && s.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : "string";
                if (schema is { ValueKind: JsonValueKind.Object } sd && sd.TryGetProperty("default", out var def)) { w.WritePropertyName(name); def.WriteTo(w); continue; }
                switch (type)
                {
                    case "boolean": w.WriteBoolean(name, false); break;
                    case "integer" or "number": w.WriteNumber(name, 100); break;
                    case "array": w.WriteStartArray(name); w.WriteEndArray(); break;
                    case "object": w.WriteStartObject(name); w.WriteEndObject(); break;
                    default: w.WriteString(name, pathValue); break;
                }
            }
            w.WriteEndObject();
        }
        return PlannedBlock.ToolUse(Ids.ToolUse(), tool.Name, System.Text.Encoding.UTF8.GetString(ms.ToArray()));
    }

    /// <summary>Required properties; without any, the first path-like property, else "path".</summary>
    private static List<(string Name, JsonElement? Schema)> ArgumentsFor(ToolSpec tool)
    {
        var props = tool.InputSchema is { } s && s.TryGetProperty("properties", out var p) && p.ValueKind == JsonValueKind.Object ? p : (JsonElement?)null;
        JsonElement? Prop(string name) => props is { } pp && pp.TryGetProperty(name, out var v) ? v : null;
        var list = new List<(string, JsonElement?)>();
        if (tool.InputSchema is { } schema && schema.TryGetProperty("required", out var req) && req.ValueKind == JsonValueKind.Array)
            foreach (var r in req.EnumerateArray())
                if (r.GetString() is { } name) list.Add((name, Prop(name)));
        if (list.Count > 0) return list;
        var pathLike = props?.EnumerateObject().Select(x => x.Name)
            .FirstOrDefault(n => n.Contains("path", StringComparison.OrdinalIgnoreCase) || n.Contains("dir", StringComparison.OrdinalIgnoreCase) || n.Contains("file", StringComparison.OrdinalIgnoreCase));
        return [(pathLike ?? "path", pathLike is null ? null : Prop(pathLike))];
    }

    private static string? FirstString(JsonElement input) =>
        input.ValueKind == JsonValueKind.Object
            ? input.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.String).Select(p => p.Value.GetString()).FirstOrDefault()
            : null;
}
