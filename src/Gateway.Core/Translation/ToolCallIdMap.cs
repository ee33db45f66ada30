using System.Text;

namespace Gateway.Core.Translation;

/// <summary>
/// Client tool-call ids -> ids Anthropic accepts (<c>^[a-zA-Z0-9_-]+$</c>). Valid ids pass unchanged (so ids the
/// gateway handed out round-trip); others have invalid characters replaced by <c>_</c>, and collisions or empty
/// ids get a deterministic suffix. The same mapping serves tool_use ids and the tool messages' tool_call_id.
/// </summary>
internal sealed class ToolCallIdMap
{
    private readonly Dictionary<string, string> _map = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);
    private int _synthetic;

    /// <summary>Upstream id for a client id seen on an assistant tool call (registers it).</summary>
    public string Register(string? clientId)
    {
        if (!string.IsNullOrEmpty(clientId) && _map.TryGetValue(clientId, out var existing))
        {
            // The same id on two tool calls (clients that number calls per turn): the later one gets its own
            // upstream id, and results that follow pair with the latest call.
            var again = Unique(existing);
            _map[clientId] = again;
            return again;
        }
        var id = string.IsNullOrEmpty(clientId) ? NextSynthetic() : Unique(Sanitize(clientId));
        if (!string.IsNullOrEmpty(clientId)) _map[clientId] = id;
        return id;
    }

    /// <summary>Upstream id for a client id referenced by a tool result, if that id was registered.</summary>
    public bool TryGet(string? clientId, out string upstreamId)
    {
        upstreamId = "";
        return !string.IsNullOrEmpty(clientId) && _map.TryGetValue(clientId, out upstreamId!);
    }

    public string NextSynthetic()
    {
        string id;
        do id = $"call_gw_{++_synthetic}"; while (!_used.Add(id));
        return id;
    }

    private string Unique(string id)
    {
        if (_used.Add(id)) return id;
        for (var n = 2; ; n++)
            if (_used.Add($"{id}_{n}")) return $"{id}_{n}";
    }

    internal static string Sanitize(string id)
    {
        var sb = new StringBuilder(id.Length);
        foreach (var c in id)
            sb.Append(c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_' or '-' ? c : '_');
        return sb.ToString();
    }
}
