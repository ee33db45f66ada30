namespace Gateway.Policy.BuiltIn.Dedup;

/// <summary>
/// Splits a tool result into the wrapper line a client puts above the content and the content itself, so that the same content under
/// another wrapper still counts as identical. Continue writes <c>Content of src/logger.js:</c>, <c>Files in /path:</c>,
/// <c>Search results for pattern "x":</c> and a blank line; the rule is generic: a first line of at most
/// <see cref="MaxHeaderLength"/> chars that starts with a non-blank character and ends with <c>:</c>, followed by more text, is the
/// header (with the blank lines after it). The header is kept when the content is replaced, so the model still reads which file or
/// command the result is about. Correctness never depends on this guess: a reference or a diff is exact about the content below the
/// header, whatever the header says.
/// </summary>
public static class ToolResultShape
{
    public const int MaxHeaderLength = 200;

    /// <summary>The header (with its newline and blank lines after it; empty when there is none) and the content.</summary>
    public static (string Header, string Body) Split(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var nl = text.IndexOf('\n');
        if (nl <= 0 || nl > MaxHeaderLength) return ("", text);
        var first = text.AsSpan(0, nl).TrimEnd('\r');
        if (first.Length == 0 || char.IsWhiteSpace(first[0]) || first[^1] != ':') return ("", text);
        var end = nl + 1;
        while (end < text.Length)
        {
            var next = text.IndexOf('\n', end);
            if (next < 0 || !text.AsSpan(end, next - end).IsWhiteSpace()) break;
            end = next + 1;
        }
        if (end >= text.Length) return ("", text); // a header alone is the content
        return (text[..end], text[end..]);
    }

    /// <summary>The header's first line without its newline (for keying re-reads of the same file), or null.</summary>
    public static string? HeaderLine(string header) => header.Length == 0 ? null : header[..header.IndexOf('\n')].TrimEnd('\r');
}
