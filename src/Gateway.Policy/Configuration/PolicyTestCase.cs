namespace Gateway.Policy.Configuration;

/// <summary>
/// One policy test case from <c>policies/tests/*.yaml</c>: who sends what, and what the policy must make of it.
/// The runner (<c>policy test</c>) selects the profile as the gateway would, runs the request pipeline and checks <see cref="Expect"/>.
/// </summary>
public sealed record PolicyTestCase
{
    /// <summary>The case's name, unique within its file.</summary>
    public required string Name { get; init; }
    /// <summary>Force this profile (skips selection); null: select by <see cref="Key"/>, <see cref="Headers"/> and the model.</summary>
    public string? Profile { get; init; }
    /// <summary>A gateway key to select with (hashed as the gateway does); a test key, never a real one.</summary>
    public string? Key { get; init; }
    /// <summary>Request headers (e.g. <c>X-Gateway-Profile</c>, <c>X-Session-Id</c>).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
    /// <summary>The OpenAI Chat Completions request body as JSON text (inline <c>request:</c> converted, or the file's content).</summary>
    public required string RequestJson { get; init; }
    /// <summary>The <c>request_file:</c> as written (relative to the test file), or null for an inline request.</summary>
    public string? RequestFile { get; init; }
    public PolicyTestExpectation Expect { get; init; } = new();
    public SourceLocation Location { get; init; } = SourceLocation.None;
}

/// <summary>What a <see cref="PolicyTestCase"/> checks; null or empty: not checked.</summary>
public sealed record PolicyTestExpectation
{
    /// <summary>The selected profile.</summary>
    public string? Profile { get; init; }
    /// <summary>The request must be refused (403) with a message containing this text.</summary>
    public string? Rejected { get; init; }
    /// <summary>The model the request goes to after the pipeline.</summary>
    public string? Model { get; init; }
    /// <summary>The <c>X-Model-Source</c> value, e.g. <c>routed:opus-heuristics</c> or <c>default</c>.</summary>
    public string? ModelSource { get; init; }
    /// <summary>Texts that must remain in the final upstream request (system, messages, tool results).</summary>
    public IReadOnlyList<string> Contains { get; init; } = [];
    /// <summary>Texts that must not remain in the final upstream request.</summary>
    public IReadOnlyList<string> NotContains { get; init; } = [];
    /// <summary>Ceiling on the estimated input tokens of the final upstream request.</summary>
    public int? MaxTokensAfter { get; init; }
    /// <summary>Ids of system notes that must be present (e.g. <c>diff_first</c>).</summary>
    public IReadOnlyList<string> SystemNotes { get; init; } = [];
    /// <summary>Ids of system notes that must be absent.</summary>
    public IReadOnlyList<string> NoSystemNotes { get; init; } = [];
    /// <summary>Step ids that must have changed the request (e.g. <c>strip_boilerplate</c>, <c>rule:long-sessions-to-opus</c>).</summary>
    public IReadOnlyList<string> ChangedBy { get; init; } = [];
    public SourceLocation Location { get; init; } = SourceLocation.None;
}

/// <summary>The cases of a test directory, the files read (relative paths) and every problem found.</summary>
public sealed record PolicyTestLoadResult(IReadOnlyList<PolicyTestCase> Cases, IReadOnlyList<string> Files, IReadOnlyList<PolicyDiagnostic> Diagnostics)
{
    public bool HasErrors => Diagnostics.Any(d => d.IsError);
}
