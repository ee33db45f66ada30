using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Gateway.Policy.Configuration;

/// <summary>
/// Writes a YAML tree as JSON text (for requests written inline in test cases). Plain scalars follow YAML 1.2's core schema
/// (null, true/false, numbers); quoted and block scalars are always strings, so <c>"42"</c> stays text.
/// </summary>
internal static partial class YamlJson
{
    public static string ToJson(YamlNode node)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = false }))
            Write(writer, node);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void Write(Utf8JsonWriter w, YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode m:
                w.WriteStartObject();
                foreach (var (k, v) in m.Children)
                {
                    w.WritePropertyName(YamlSource.KeyName(k) ?? "");
                    Write(w, v);
                }
                w.WriteEndObject();
                break;
            case YamlSequenceNode s:
                w.WriteStartArray();
                foreach (var item in s.Children) Write(w, item);
                w.WriteEndArray();
                break;
            case YamlScalarNode sc when sc.Style is ScalarStyle.Plain or ScalarStyle.Any:
                var v2 = sc.Value ?? "";
                if (YamlSource.IsNull(sc)) w.WriteNullValue();
                else if (v2 is "true" or "True" or "TRUE") w.WriteBooleanValue(true);
                else if (v2 is "false" or "False" or "FALSE") w.WriteBooleanValue(false);
                else if (NumberRegex().IsMatch(v2) && double.TryParse(v2, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                    w.WriteRawValue(v2);
                else w.WriteStringValue(v2);
                break;
            case YamlScalarNode sc:
                w.WriteStringValue(sc.Value ?? "");
                break;
            default:
                w.WriteNullValue();
                break;
        }
    }

    [GeneratedRegex(@"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$")]
    private static partial Regex NumberRegex();
}
