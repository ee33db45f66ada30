using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;

namespace Gateway.Core.Json;

/// <summary>
/// A JSON string encoder that escapes only what JSON requires: quote, backslash, control characters, and code units that
/// are not valid Unicode (lone surrogates, malformed UTF-8). Everything else, non-ASCII text and emoji included, is written
/// as UTF-8. System.Text.Json's default encoder writes every non-ASCII character as <c>\uXXXX</c> (6 to 12 bytes for
/// 2 to 4): a 20 MB emoji message grows past 32 MB on the way upstream. Safe for JSON bodies, not for embedding in HTML.
/// </summary>
public sealed class MinimalJsonEscaping : JavaScriptEncoder
{
    public static readonly MinimalJsonEscaping Instance = new();

    private MinimalJsonEscaping() { }

    public override int MaxOutputCharactersPerInputCharacter => 12; // a supplementary scalar as two \uXXXX escapes

    public override bool WillEncode(int unicodeScalar) =>
        unicodeScalar < 0x20 || unicodeScalar == '"' || unicodeScalar == '\\' || (unicodeScalar is >= 0xD800 and <= 0xDFFF) || unicodeScalar > 0x10FFFF;

    public override unsafe int FindFirstCharacterToEncode(char* text, int textLength)
    {
        var span = new ReadOnlySpan<char>(text, textLength);
        for (var i = 0; i < span.Length; i++)
        {
            var c = span[i];
            if (c < 0x20 || c == '"' || c == '\\') return i;
            if (char.IsHighSurrogate(c))
            {
                if (i + 1 < span.Length && char.IsLowSurrogate(span[i + 1])) { i++; continue; }
                return i;
            }
            if (char.IsLowSurrogate(c)) return i;
        }
        return -1;
    }

    public override int FindFirstCharacterToEncodeUtf8(ReadOnlySpan<byte> utf8Text)
    {
        var i = 0;
        while (i < utf8Text.Length)
        {
            var b = utf8Text[i];
            if (b < 0x80)
            {
                if (b < 0x20 || b == '"' || b == '\\') return i;
                i++;
                continue;
            }
            if (Rune.DecodeFromUtf8(utf8Text[i..], out _, out var consumed) != OperationStatus.Done) return i;
            i += consumed;
        }
        return -1;
    }

    public override unsafe bool TryEncodeUnicodeScalar(int unicodeScalar, char* buffer, int bufferLength, out int numberOfCharactersWritten)
    {
        var output = new Span<char>(buffer, bufferLength);
        numberOfCharactersWritten = 0;
        if (!WillEncode(unicodeScalar))
        {
            // Not ours to escape: write the scalar as it is (one char, or a surrogate pair).
            if (!Rune.TryCreate(unicodeScalar, out var rune) || !rune.TryEncodeToUtf16(output, out numberOfCharactersWritten)) return false;
            return true;
        }
        string? shortForm = unicodeScalar switch
        {
            '"' => "\\\"", '\\' => "\\\\", '\n' => "\\n", '\r' => "\\r", '\t' => "\\t", '\b' => "\\b", '\f' => "\\f", _ => null,
        };
        if (shortForm is not null)
        {
            if (output.Length < 2) return false;
            shortForm.AsSpan().CopyTo(output);
            numberOfCharactersWritten = 2;
            return true;
        }
        // Control characters and lone surrogates: \uXXXX (a lone surrogate stays a lone surrogate, as the client sent it).
        if (unicodeScalar > 0xFFFF || output.Length < 6) return false;
        output[0] = '\\';
        output[1] = 'u';
        ((uint)unicodeScalar).TryFormat(output[2..], out _, "x4");
        numberOfCharactersWritten = 6;
        return true;
    }
}
