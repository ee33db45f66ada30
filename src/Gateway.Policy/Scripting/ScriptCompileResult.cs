using Gateway.Policy.Configuration;

namespace Gateway.Policy.Scripting;

/// <summary>
/// The outcome of <see cref="ScriptRuleCompiler.Compile"/>: the step on success, or error diagnostics
/// (<c>path:line:col: error ...</c>, 1-based, in the script). Warnings may come with either.
/// </summary>
/// <param name="Rule">The compiled step, or null when the script has errors.</param>
/// <param name="Diagnostics">Errors (allowlist violations first, then compiler errors) and warnings, in source order within each group.</param>
/// <param name="FromCache">True when the content was compiled before and its assembly is still loaded: no compilation happened.</param>
/// <param name="Elapsed">Time spent in this call (parse, bind, check, emit and load, or the cache lookup).</param>
public sealed record ScriptCompileResult(CompiledScriptRule? Rule, IReadOnlyList<PolicyDiagnostic> Diagnostics, bool FromCache, TimeSpan Elapsed)
{
    public bool Success => Rule is not null;

    /// <summary>The rule's assembly handle: put it in <c>PolicySnapshot.OwnedResources</c> so the assembly lives as long as the snapshot.</summary>
    public ScriptAssemblyHandle? Handle => Rule?.Handle;

    public IEnumerable<PolicyDiagnostic> Errors => Diagnostics.Where(d => d.IsError);
}
