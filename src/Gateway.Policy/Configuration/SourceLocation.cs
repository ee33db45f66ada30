namespace Gateway.Policy.Configuration;

/// <summary>Where a value came from: diagnostics and <c>policy explain</c> point here (1-based line and column).</summary>
public sealed record SourceLocation(string File, int Line, int Column)
{
    public static readonly SourceLocation None = new("", 0, 0);
    public override string ToString() => Line > 0 ? $"{File}:{Line}:{Column}" : File;
}

/// <summary>One problem found while loading or compiling policies, printed as <c>file:line:col: error message</c>.</summary>
public sealed record PolicyDiagnostic(SourceLocation Location, string Message, bool IsError = true)
{
    public override string ToString() => $"{Location}: {(IsError ? "error" : "warning")}: {Message}";
}
