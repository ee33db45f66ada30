using System.Text;
using System.Text.Json;

namespace Gateway.Simulator.Behaviour;

/// <summary>One <c>[[sim:NAME args]]</c> directive found in the conversation (see README.md).</summary>
/// <param name="Name">Directive name, e.g. <c>tool</c>, <c>error</c>.</param>
/// <param name="Args">The argument text (for <c>tool</c>: the tool name).</param>
/// <param name="Json">For <c>tool</c>: the input object; for <c>text</c>: the quoted string.</param>
internal sealed record Directive(string Name, string Args, JsonElement? Json)
{
    private const string Open = "[[sim:";
    private const string Close = "]]";

    /// <summary>All directives in <paramref name="text"/>, in order. Malformed ones are ignored.</summary>
    public static List<Directive> Parse(string text) => Scan(text).Select(f => f.Directive).ToList();

    /// <summary>Text with every directive removed and whitespace trimmed.</summary>
    public static string Strip(string text)
    {
        var sb = new StringBuilder();
        var at = 0;
        foreach (var (_, start, end) in Scan(text))
        {
            sb.Append(text, at, start - at);
            at = end;
        }
        sb.Append(text, at, text.Length - at);
        return sb.ToString().Trim();
    }

    private static List<(Directive Directive, int Start, int End)> Scan(string text)
    {
        var list = new List<(Directive, int, int)>();
        var at = 0;
        while ((at = text.IndexOf(Open, at, StringComparison.Ordinal)) >= 0)
        {
            var pos = at + Open.Length;
            var nameEnd = pos;
            while (nameEnd < text.Length && (char.IsAsciiLetterOrDigit(text[nameEnd]) || text[nameEnd] is '_' or '-')) nameEnd++;
            var name = text[pos..nameEnd];
            pos = SkipSpaces(text, nameEnd);
            string args = "";
            JsonElement? json = null;
            if (name == "tool")
            {
                var argEnd = pos;
                while (argEnd < text.Length && !char.IsWhiteSpace(text[argEnd]) && !text.AsSpan(argEnd).StartsWith(Close)) argEnd++;
                args = text[pos..argEnd];
                pos = SkipSpaces(text, argEnd);
                if (pos < text.Length && text[pos] is '{') (json, pos) = ReadJson(text, pos);
            }
            else if (name == "text" && pos < text.Length && text[pos] == '"')
            {
                (json, pos) = ReadJson(text, pos);
            }
            var close = text.IndexOf(Close, pos, StringComparison.Ordinal);
            if (close < 0 || name.Length == 0) { at = pos; continue; }
            if (args.Length == 0 && json is null) args = text[pos..close].Trim();
            list.Add((new Directive(name, args, json), at, close + Close.Length));
            at = close + Close.Length;
        }
        return list;
    }

    private static int SkipSpaces(string text, int pos)
    {
        while (pos < text.Length && char.IsWhiteSpace(text[pos])) pos++;
        return pos;
    }

    private static (JsonElement? Json, int End) ReadJson(string text, int pos)
    {
        var bytes = Encoding.UTF8.GetBytes(text[pos..]);
        try
        {
            var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { AllowTrailingCommas = false });
            if (!reader.Read()) return (null, pos);
            reader.Skip();
            var consumed = (int)reader.BytesConsumed;
            using var doc = JsonDocument.Parse(bytes.AsMemory(0, consumed));
            return (doc.RootElement.Clone(), pos + Encoding.UTF8.GetCharCount(bytes, 0, consumed));
        }
        catch (JsonException)
        {
            return (null, pos);
        }
    }
}
