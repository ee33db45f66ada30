using System.Text.Json.Nodes;

namespace Gateway.Reduction;

/// <summary>One recorded HTTP request of a session (a line of the JSONL: seq, captured_at, method, path, headers, body).</summary>
public sealed record RecordedClientRequest(int Seq, string Method, string Path, IReadOnlyDictionary<string, string> Headers, JsonObject Body)
{
    public bool Stream => Body["stream"] is JsonValue v && v.TryGetValue<bool>(out var b) && b;
    public bool IsCompletion => Method == "POST" && Path.Contains("chat/completions", StringComparison.Ordinal);
}

/// <summary>A recorded session: the requests in the order the client sent them.</summary>
public sealed record SessionFile(string Name, string FilePath, IReadOnlyList<RecordedClientRequest> Requests)
{
    /// <summary>Reads a session JSONL; errors name the file and line.</summary>
    public static SessionFile Load(string path)
    {
        var requests = new List<RecordedClientRequest>();
        var lineNo = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNo++;
            if (line.Trim().Length == 0) continue;
            JsonObject record;
            try
            {
                record = JsonNode.Parse(line) as JsonObject ?? throw new FormatException("not a JSON object");
            }
            catch (Exception e) when (e is System.Text.Json.JsonException or FormatException)
            {
                throw new InvalidDataException($"{path}:{lineNo}: not a JSON object: {e.Message}");
            }
            var body = record["body"] as JsonObject
                ?? throw new InvalidDataException($"{path}:{lineNo}: no JSON object in \"body\"");
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            if (record["headers"] is JsonObject h)
                foreach (var (k, v) in h)
                    if (v is JsonValue) headers[k] = v.ToString();
            requests.Add(new RecordedClientRequest(
                record["seq"]?.GetValue<int>() ?? requests.Count + 1,
                record["method"]?.GetValue<string>() ?? "POST",
                record["path"]?.GetValue<string>() ?? "/v1/chat/completions",
                headers,
                body));
        }
        if (requests.Count == 0) throw new InvalidDataException($"{path}: no requests");
        return new SessionFile(System.IO.Path.GetFileNameWithoutExtension(path), path, requests);
    }
}
