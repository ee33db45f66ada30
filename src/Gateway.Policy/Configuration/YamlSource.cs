using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Gateway.Policy.Configuration;

/// <summary>
/// Parses YAML text into the representation model and remembers where every node came from (file, line, column), also
/// after <c>extends</c> merging has mixed nodes of several files into one tree. Parse errors become diagnostics.
/// </summary>
internal sealed class YamlSource
{
    private readonly Dictionary<YamlNode, SourceLocation> _origins = new(ReferenceEqualityComparer.Instance);

    /// <summary>Parses one file; returns its root node (null for an empty file or a syntax error, which is reported).</summary>
    public YamlNode? Parse(string text, string file, List<PolicyDiagnostic> diagnostics)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            var message = (e.InnerException?.Message ?? e.Message);
            // YamlDotNet prefixes its messages with the position; ours carries the position separately.
            var cut = message.IndexOf("): ", StringComparison.Ordinal);
            if (message.StartsWith("(Line:", StringComparison.Ordinal) && cut > 0) message = message[(cut + 3)..];
            diagnostics.Add(new PolicyDiagnostic(new SourceLocation(file, (int)e.Start.Line, (int)e.Start.Column), "YAML syntax: " + message));
            return null;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            // Some malformed input (e.g. an unclosed flow mapping) makes YamlDotNet throw without a position:
            // replay the events to find the last place that parsed.
            var at = LastGoodMark(text);
            diagnostics.Add(new PolicyDiagnostic(new SourceLocation(file, (int)at.Line, (int)at.Column), "YAML syntax: malformed YAML after this point (" + e.Message + ")"));
            return null;
        }
        if (stream.Documents.Count == 0) return null;
        if (stream.Documents.Count > 1)
        {
            var second = stream.Documents[1].RootNode;
            diagnostics.Add(new PolicyDiagnostic(new SourceLocation(file, (int)second.Start.Line, (int)second.Start.Column),
                "one YAML document per file: remove the second document (after '---')"));
        }
        var root = stream.Documents[0].RootNode;
        Register(root, file);
        return root;
    }

    private static Mark LastGoodMark(string text)
    {
        var mark = Mark.Empty;
        try
        {
            var parser = new Parser(new StringReader(text));
            while (parser.MoveNext()) mark = parser.Current!.End;
        }
        catch (Exception)
        {
        }
        return mark;
    }

    private void Register(YamlNode node, string file)
    {
        if (_origins.ContainsKey(node)) return; // an alias repeats a node already seen
        _origins[node] = new SourceLocation(file, (int)node.Start.Line, (int)node.Start.Column);
        switch (node)
        {
            case YamlMappingNode m:
                foreach (var (k, v) in m.Children) { Register(k, file); Register(v, file); }
                break;
            case YamlSequenceNode s:
                foreach (var item in s.Children) Register(item, file);
                break;
        }
    }

    public SourceLocation Location(YamlNode node) => _origins.TryGetValue(node, out var l) ? l : SourceLocation.None;

    public string FileOf(YamlNode node) => Location(node).File;

    /// <summary>Gives a node made by merging the location of the node it stands for.</summary>
    public void Alias(YamlNode made, YamlNode original) => _origins[made] = Location(original);

    public static string? KeyName(YamlNode key) => key is YamlScalarNode s ? s.Value : null;

    public static YamlNode? Find(YamlMappingNode map, string key)
    {
        foreach (var (k, v) in map.Children)
            if (KeyName(k) == key) return v;
        return null;
    }

    public static YamlNode? FindKeyNode(YamlMappingNode map, string key)
    {
        foreach (var (k, _) in map.Children)
            if (KeyName(k) == key) return k;
        return null;
    }

    /// <summary>A plain <c>null</c>, <c>~</c> or empty value.</summary>
    public static bool IsNull(YamlNode node) => node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any } s
        && (string.IsNullOrEmpty(s.Value) || s.Value is "~" or "null" or "Null" or "NULL");

    /// <summary>
    /// Deep merge for <c>extends</c>: maps merge key by key (the child wins), lists and scalars are replaced by the child's.
    /// At the top level the parent's identity keys (<see cref="ProfileKeys.NotInherited"/>) are not copied.
    /// </summary>
    public YamlNode Merge(YamlNode parent, YamlNode child, bool topLevel)
    {
        if (parent is not YamlMappingNode pm || child is not YamlMappingNode cm) return child;
        var result = new YamlMappingNode();
        foreach (var (k, v) in pm.Children)
        {
            var name = KeyName(k);
            if (topLevel && name is not null && ProfileKeys.NotInherited.Contains(name)) continue;
            var childValue = name is null ? null : Find(cm, name);
            result.Add(k, childValue is null ? v : Merge(v, childValue, false));
        }
        foreach (var (k, v) in cm.Children)
        {
            var name = KeyName(k);
            if (name is null || Find(pm, name) is null || (topLevel && ProfileKeys.NotInherited.Contains(name))) result.Add(k, v);
        }
        Alias(result, cm);
        return result;
    }
}
