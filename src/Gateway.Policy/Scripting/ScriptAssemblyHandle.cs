using System.Collections.Concurrent;
using System.Reflection;

namespace Gateway.Policy.Scripting;

/// <summary>
/// Owns one compiled rule assembly and its collectible load context. Put it in <c>PolicySnapshot.OwnedResources</c>:
/// while a snapshot (or a running request, through its <see cref="CompiledScriptRule"/>) holds it, the assembly stays
/// loaded; once nothing does, the garbage collector finalizes the context, which unloads the assembly. Nothing to dispose:
/// a snapshot never knows when its last request ends, and the collector does.
/// Shared by every <see cref="CompiledScriptRule"/> compiled from the same content (same code, stage, memory budget and API version).
/// </summary>
public sealed class ScriptAssemblyHandle
{
    private readonly ConcurrentDictionary<(string Id, string Path, int BudgetMs), CompiledScriptRule> _rules = new();

    internal ScriptAssemblyHandle(string contentHash, ScriptLoadContext context, Assembly assembly, Func<object?[], Task<object>> entry, ScriptLineMap lines)
    {
        ContentHash = contentHash;
        LoadContext = context;
        Assembly = assembly;
        Entry = entry;
        Lines = lines;
    }

    /// <summary>SHA-256 (hex) of the script's code, stage, memory budget and the rule API's version: the compile cache key.</summary>
    public string ContentHash { get; }

    internal ScriptLoadContext LoadContext { get; }
    internal Assembly Assembly { get; }

    /// <summary>Script lines of the assembly's IL, for exceptions.</summary>
    internal ScriptLineMap Lines { get; }

    /// <summary>The submission factory: takes <c>[globals, slot for the submission]</c> and runs the script.</summary>
    internal Func<object?[], Task<object>> Entry { get; }

    /// <summary>One step instance per rule id, path and budget, so an unchanged rule is the same object across reloads.</summary>
    internal CompiledScriptRule GetOrAddRule((string Id, string Path, int BudgetMs) key, Func<(string, string, int), CompiledScriptRule> create) =>
        _rules.GetOrAdd(key, create);
}
