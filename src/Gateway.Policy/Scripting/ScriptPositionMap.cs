using Microsoft.CodeAnalysis.Text;

namespace Gateway.Policy.Scripting;

/// <summary>
/// Maps a line and column of a rewritten script (<see cref="ScriptBudgetRewriter"/>) back to the script the user wrote.
/// A position inside inserted text maps to where it was inserted; any other position moves back by the length the edits
/// before it added. Used for the PDB lines of a throwing rule and for errors of the rewritten tree (which should not occur).
/// </summary>
internal sealed class ScriptPositionMap(SourceText original, SourceText rewritten, (int Start, int Length, int NewLength)[] edits)
{
    /// <summary>The original position of a rewritten one.</summary>
    public int ToOriginal(int position)
    {
        var shift = 0;
        foreach (var (start, length, newLength) in edits)
        {
            var newStart = start + shift;
            if (position < newStart) break;
            if (position < newStart + newLength) return start;
            shift += newLength - length;
        }
        return Math.Clamp(position - shift, 0, original.Length);
    }

    /// <summary>The original (1-based) line and column of a rewritten (1-based) line and column.</summary>
    public (int Line, int Column) ToOriginal(int line, int column)
    {
        if (line < 1 || line > rewritten.Lines.Count) return (line, column);
        var rewrittenLine = rewritten.Lines[line - 1];
        var position = Math.Min(rewrittenLine.Start + Math.Max(0, column - 1), rewrittenLine.EndIncludingLineBreak);
        var at = original.Lines.GetLinePosition(ToOriginal(position));
        return (at.Line + 1, at.Character + 1);
    }
}
