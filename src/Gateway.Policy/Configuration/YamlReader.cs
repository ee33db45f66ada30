using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Gateway.Policy.Configuration;

/// <summary>
/// Typed, strict access to YAML nodes: each accessor reports a wrong type or an unknown key as a diagnostic at the node's
/// position (naming the key path) and returns null, so binding goes on and every mistake of a file is reported at once.
/// </summary>
internal sealed class YamlReader(YamlSource source, List<PolicyDiagnostic> diagnostics)
{
    public YamlSource Source { get; } = source;

    public void Error(YamlNode node, string message) => diagnostics.Add(new PolicyDiagnostic(Source.Location(node), message));

    public SourceLocation Location(YamlNode node) => Source.Location(node);

    /// <summary>A mapping whose keys must be those of <paramref name="section"/> (see <see cref="ProfileKeys"/>); null when absent or null.</summary>
    public YamlMappingNode? Section(YamlNode? node, string path, string section) => Section(node, path, ProfileKeys.Sections[section]);

    /// <summary>A mapping whose keys must be among <paramref name="known"/>; null when absent or null.</summary>
    public YamlMappingNode? Section(YamlNode? node, string path, string[] known)
    {
        if (node is null || YamlSource.IsNull(node)) return null;
        if (node is not YamlMappingNode map)
        {
            Error(node, $"{path}: expected a mapping (key: value lines), got {Describe(node)}");
            return null;
        }
        foreach (var (k, _) in map.Children)
        {
            var name = YamlSource.KeyName(k);
            if (name is null) Error(k, $"{path}: keys must be plain names");
            else if (!known.Contains(name, StringComparer.Ordinal))
                Error(k, $"{Join(path, name)}: unknown key{Suggest(name, known)}; allowed here: {string.Join(", ", known)}");
        }
        return map;
    }

    /// <summary>A mapping of any keys to scalars (settings, aliases).</summary>
    public Dictionary<string, string>? FreeMap(YamlNode? node, string path)
    {
        if (node is null || YamlSource.IsNull(node)) return null;
        if (node is not YamlMappingNode map)
        {
            Error(node, $"{path}: expected a mapping, got {Describe(node)}");
            return null;
        }
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in map.Children)
        {
            var name = YamlSource.KeyName(k);
            if (string.IsNullOrWhiteSpace(name)) { Error(k, $"{path}: keys must be non-empty plain names"); continue; }
            if (v is not YamlScalarNode s || YamlSource.IsNull(v)) { Error(v, $"{Join(path, name)}: expected a scalar value (text, number or boolean), got {Describe(v)}"); continue; }
            result[name] = s.Value ?? "";
        }
        return result;
    }

    public static string Join(string path, string key) => path.Length == 0 ? key : path + "." + key;

    public string? String(YamlMappingNode? map, string key, string path, bool nullable = false)
    {
        var node = map is null ? null : YamlSource.Find(map, key);
        return node is null ? null : String(node, Join(path, key), nullable);
    }

    public string? String(YamlNode node, string path, bool nullable = false)
    {
        if (YamlSource.IsNull(node))
        {
            if (!nullable) Error(node, $"{path}: expected text, got null");
            return null;
        }
        if (node is YamlScalarNode s) return s.Value ?? "";
        Error(node, $"{path}: expected text, got {Describe(node)}");
        return null;
    }

    public bool? Bool(YamlMappingNode? map, string key, string path)
    {
        var node = map is null ? null : YamlSource.Find(map, key);
        if (node is null) return null;
        if (node is YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain } s && s.Value is { } v)
        {
            if (v is "true" or "True" or "TRUE") return true;
            if (v is "false" or "False" or "FALSE") return false;
        }
        Error(node, $"{Join(path, key)}: expected true or false, got {Describe(node)}");
        return null;
    }

    public int? Int(YamlMappingNode? map, string key, string path, int min, int max = int.MaxValue)
    {
        var node = map is null ? null : YamlSource.Find(map, key);
        return node is null ? null : Int(node, Join(path, key), min, max);
    }

    public int? Int(YamlNode node, string path, int min, int max = int.MaxValue)
    {
        if (node is YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain } s
            && long.TryParse(s.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
        {
            if (n >= min && n <= max) return (int)n;
            Error(node, max == int.MaxValue ? $"{path}: must be at least {min}, got {n}" : $"{path}: must be between {min} and {max}, got {n}");
            return null;
        }
        Error(node, $"{path}: expected an integer, got {Describe(node)}");
        return null;
    }

    public decimal? Decimal(YamlMappingNode? map, string key, string path, decimal min, decimal max)
    {
        var node = map is null ? null : YamlSource.Find(map, key);
        if (node is null) return null;
        if (node is YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain } s
            && decimal.TryParse(s.Value, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var d))
        {
            if (d >= min && d <= max) return d;
            Error(node, $"{Join(path, key)}: must be between {min.ToString(CultureInfo.InvariantCulture)} and {max.ToString(CultureInfo.InvariantCulture)}, got {s.Value}");
            return null;
        }
        Error(node, $"{Join(path, key)}: expected a number, got {Describe(node)}");
        return null;
    }

    /// <summary>One of <paramref name="allowed"/> (exact, lower case).</summary>
    public string? Enum(YamlMappingNode? map, string key, string path, params string[] allowed)
    {
        var node = map is null ? null : YamlSource.Find(map, key);
        if (node is null) return null;
        if (node is YamlScalarNode s && !YamlSource.IsNull(node) && allowed.Contains(s.Value, StringComparer.Ordinal)) return s.Value;
        Error(node, $"{Join(path, key)}: expected one of {string.Join(", ", allowed)}, got {Describe(node)}");
        return null;
    }

    /// <summary>A list of text items, each with its node; null when absent.</summary>
    public List<(string Value, YamlNode Node)>? StringList(YamlMappingNode? map, string key, string path)
    {
        var node = map is null ? null : YamlSource.Find(map, key);
        if (node is null) return null;
        var items = Sequence(node, Join(path, key));
        if (items is null) return null;
        var result = new List<(string, YamlNode)>();
        for (var i = 0; i < items.Count; i++)
            if (String(items[i], $"{Join(path, key)}[{i}]") is { } v) result.Add((v, items[i]));
        return result;
    }

    public IReadOnlyList<YamlNode>? Sequence(YamlNode node, string path)
    {
        if (YamlSource.IsNull(node)) return [];
        if (node is YamlSequenceNode seq) return seq.Children.ToList();
        Error(node, $"{path}: expected a list (lines starting with '- ' or [a, b]), got {Describe(node)}");
        return null;
    }

    public static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        YamlScalarNode when YamlSource.IsNull(node) => "null",
        YamlScalarNode s => $"'{Shorten(s.Value ?? "")}'",
        _ => "an unsupported node",
    };

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..37] + "...";

    private static string Suggest(string name, string[] known)
    {
        var best = known.Select(k => (k, d: Distance(name, k))).OrderBy(x => x.d).FirstOrDefault();
        return best.k is not null && best.d <= Math.Max(2, name.Length / 3) ? $" (did you mean '{best.k}'?)" : "";
    }

    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
            for (var j = 1; j <= b.Length; j++)
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
        return d[a.Length, b.Length];
    }
}
