using System.Text;

namespace Gateway.Core.Translation;

/// <summary>
/// Client tool names -> names Anthropic accepts (<c>^[a-zA-Z0-9_-]{1,64}$</c>, unique). Deterministic: the same
/// names in the same order always give the same result. Characters outside the set become <c>_</c>; long names
/// are cut; collisions get <c>_2</c>, <c>_3</c>… Changed names are reported so responses map back.
/// </summary>
internal sealed class ToolNameMap
{
    public const int MaxLength = 64;
    private readonly Dictionary<string, string> _toUpstream = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _toClient = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    /// <summary>Upstream name -> client name, only for names that changed.</summary>
    public Dictionary<string, string> ChangedToClient { get; } = new(StringComparer.Ordinal);

    /// <summary>The upstream name for a client name, registering it on first use.</summary>
    public string ToUpstream(string clientName)
    {
        if (_toUpstream.TryGetValue(clientName, out var existing)) return existing;
        var baseName = Sanitize(clientName);
        var name = baseName;
        for (var n = 2; !_used.Add(name); n++)
        {
            var suffix = "_" + n;
            name = (baseName.Length + suffix.Length > MaxLength ? baseName[..(MaxLength - suffix.Length)] : baseName) + suffix;
        }
        _toUpstream[clientName] = name;
        _toClient[name] = clientName;
        if (name != clientName) ChangedToClient[name] = clientName;
        return name;
    }

    /// <summary>True when <paramref name="clientName"/> was registered.</summary>
    public bool Contains(string clientName) => _toUpstream.ContainsKey(clientName);

    public bool IsUpstreamNameTaken(string upstreamName) => _used.Contains(upstreamName);

    internal static string Sanitize(string name)
    {
        var sb = new StringBuilder(Math.Min(name.Length, MaxLength));
        foreach (var c in name)
        {
            if (sb.Length == MaxLength) break;
            sb.Append(c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_' or '-' ? c : '_');
        }
        return sb.Length == 0 ? "tool" : sb.ToString();
    }
}
