using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Gateway.Policy.Abstractions;
using Gateway.Policy.Configuration;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Emit;

namespace Gateway.Policy.Scripting;

/// <summary>
/// Compiles <c>.csx</c> rule scripts into pipeline steps. One per process; thread-safe.
/// <list type="number">
/// <item>Hash the content (code, stage, memory budget, rule API version); a still-loaded assembly with that hash is reused, so a
/// reload that leaves a script unchanged compiles nothing and returns the same step instance.</item>
/// <item>Build the script compilation against <see cref="RuleGlobals"/> and a fixed set of references (<see cref="ScriptReferences"/>).</item>
/// <item>Check it: compiler errors, every symbol the script uses against the allowlist (<see cref="ScriptAllowlistChecker"/>),
/// and allocations of a constant size over the rule's memory budget (<see cref="ScriptAllocationChecker"/>).</item>
/// <item>Insert budget checks into every loop and function body (<see cref="ScriptBudgetRewriter"/>), after the checks above so
/// diagnostics only ever see the user's code; a map from the rewritten positions back to the user's goes with the PDB.</item>
/// <item>Emit it ourselves (with a portable PDB loaded alongside, for script lines in exceptions) into a fresh collectible load context:
/// the scripting API's own loader never unloads.</item>
/// <item>Bind the submission factory to a delegate; wrap it in a <see cref="ScriptAssemblyHandle"/> and a <see cref="CompiledScriptRule"/>.</item>
/// </list>
/// The cache holds handles weakly: once no snapshot references a handle, the collector unloads its context and the entry
/// goes (dead entries are pruned on each compile).
/// </summary>
public sealed class ScriptRuleCompiler
{
    private static readonly string ApiVersion = $"{typeof(RuleGlobals).Assembly.FullName}/{typeof(RuleGlobals).Assembly.ManifestModule.ModuleVersionId}";

    private readonly ConcurrentDictionary<string, WeakReference<ScriptAssemblyHandle>> _cache = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly ScriptWorkers _workers;
    private readonly ScriptRuleCompilerOptions _options;
    private long _compilations;
    private long _cacheHits;

    public ScriptRuleCompiler(ScriptRuleCompilerOptions? options = null)
    {
        _options = options ?? new ScriptRuleCompilerOptions();
        _workers = new ScriptWorkers(_options.Workers, _options.MaxStuckWorkers);
    }

    /// <summary>Roslyn compilations run so far (cache misses, failed ones included).</summary>
    public long Compilations => Interlocked.Read(ref _compilations);

    /// <summary>Compile calls answered from the cache.</summary>
    public long CacheHits => Interlocked.Read(ref _cacheHits);

    /// <summary>Cached rule assemblies still alive (referenced by some snapshot or step, or not yet collected).</summary>
    public int LiveAssemblies => _cache.Values.Count(w => w.TryGetTarget(out _));

    /// <summary>Script workers currently stuck in a script that overran its budget.</summary>
    public int StuckWorkers => _workers.Stuck;

    /// <summary>Runs that overran their budget and were ended by an inserted budget check, their worker kept (since start).</summary>
    public long StoppedRuns => _workers.Stopped;

    /// <summary>Workers written off because their script could not be stopped in time (since start; those that came back included).</summary>
    public long WrittenOffWorkers => _workers.WrittenOff;

    /// <summary>Compiles <paramref name="code"/> (the content of <see cref="RuleRef.Path"/>) into a step, or reports why it cannot.</summary>
    public ScriptCompileResult Compile(RuleRef rule, string code)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(code);
        var started = Stopwatch.GetTimestamp();

        // 1. Content hash and cache.
        var hash = ContentHash(code, rule.Stage, rule.MemoryMb);
        if (_cache.TryGetValue(hash, out var weak) && weak.TryGetTarget(out var cached))
        {
            Interlocked.Increment(ref _cacheHits);
            return new ScriptCompileResult(RuleFor(cached, rule), [], true, Stopwatch.GetElapsedTime(started));
        }
        Interlocked.Increment(ref _compilations);
        PruneDeadEntries();

        // 2. Compilation.
        var script = CSharpScript.Create(code, ScriptReferences.Options(rule.Path, _options.Optimize), typeof(RuleGlobals), ScriptReferences.UnusedLoader);
        var compilation = script.GetCompilation();
        var tree = compilation.SyntaxTrees.Single();

        // 3. Allowlist and compiler diagnostics.
        var violations = ScriptAllowlistChecker.Check(compilation, tree)
            .Concat(ScriptAllocationChecker.Check(compilation.GetSemanticModel(tree), tree, rule.MemoryMb))
            .OrderBy(v => v.Location.SourceSpan.Start).ToList();
        var diagnostics = violations.Select(v => new PolicyDiagnostic(Locate(rule.Path, v.Location), v.Message)).ToList();
        foreach (var d in compilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).OrderBy(d => d.Location.SourceSpan.Start))
        {
            // A #r of a forbidden assembly also fails to resolve: keep only our explanation of it.
            if (violations.Any(v => v.Location.SourceSpan.Contains(d.Location.SourceSpan))) continue;
            diagnostics.Add(new PolicyDiagnostic(Locate(rule.Path, d.Location), $"{d.Id}: {d.GetMessage(CultureInfo.InvariantCulture)}{Hint(d, tree)}", d.Severity == DiagnosticSeverity.Error));
        }
        if (diagnostics.Any(d => d.IsError)) return new ScriptCompileResult(null, diagnostics, false, Stopwatch.GetElapsedTime(started));

        // 4. Budget checks: a loop or a recursion that never calls the rule API still stops when its time is up.
        var (checkedTree, positions) = _options.BudgetChecks ? ScriptBudgetRewriter.Rewrite(tree, compilation.GetSemanticModel(tree)) : (tree, null);
        var checkedCompilation = compilation.ReplaceSyntaxTree(tree, checkedTree);

        // 5. Emit into a collectible context.
        using var pe = new MemoryStream();
        using var pdb = new MemoryStream();
        var emit = checkedCompilation.Emit(pe, pdb, options: new EmitOptions(debugInformationFormat: DebugInformationFormat.PortablePdb));
        if (!emit.Success)
        {
            // The user's code compiled: an error here comes from an inserted check (a construct the rewriter does not handle).
            diagnostics.AddRange(emit.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)
                .Select(d => new PolicyDiagnostic(LocateRewritten(rule.Path, d.Location, positions),
                    $"{d.Id}: {d.GetMessage(CultureInfo.InvariantCulture)} (in the time-budget checks the gateway inserts here; rewrite this construct, e.g. as a block body)")));
            return new ScriptCompileResult(null, diagnostics, false, Stopwatch.GetElapsedTime(started));
        }
        pe.Position = 0;
        pdb.Position = 0;
        var context = new ScriptLoadContext($"rule:{rule.Id}:{hash[..12]}");
        var assembly = context.LoadFromStream(pe, pdb);

        // 6. The submission factory, as a delegate.
        var entryPoint = checkedCompilation.GetEntryPoint(CancellationToken.None)
            ?? throw new InvalidOperationException($"Script {rule.Path} compiled without an entry point.");
        var entry = EntryDelegate(assembly, entryPoint);
        var handle = new ScriptAssemblyHandle(hash, context, assembly, entry, new ScriptLineMap(pdb.ToArray(), positions));
        lock (_gate)
        {
            // Another thread may have compiled the same content meanwhile: keep one (ours becomes garbage and unloads).
            if (_cache.TryGetValue(hash, out weak) && weak.TryGetTarget(out var raced)) handle = raced;
            else _cache[hash] = new WeakReference<ScriptAssemblyHandle>(handle);
        }
        return new ScriptCompileResult(RuleFor(handle, rule), diagnostics, false, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>
    /// SHA-256 (hex) of the code, the stage, the memory budget (the compile-time allocation check depends on it) and the rule
    /// API's identity.
    /// </summary>
    internal static string ContentHash(string code, PolicyStage stage, int memoryMb)
    {
        var bytes = Encoding.UTF8.GetBytes($"{ApiVersion}\n{stage}\n{memoryMb}\n{code}");
        return Convert.ToHexStringLower(SHA256.HashData(bytes));
    }

    private CompiledScriptRule RuleFor(ScriptAssemblyHandle handle, RuleRef rule) =>
        handle.GetOrAddRule((rule.Id, rule.Path, rule.BudgetMs), _ => new CompiledScriptRule(rule, handle, _workers, _options.Grace));

    private static Func<object?[], Task<object>> EntryDelegate(Assembly assembly, IMethodSymbol entryPoint)
    {
        var typeName = entryPoint.ContainingNamespace.IsGlobalNamespace
            ? entryPoint.ContainingType.MetadataName
            : $"{entryPoint.ContainingNamespace.ToDisplayString()}.{entryPoint.ContainingType.MetadataName}";
        var type = assembly.GetType(typeName, throwOnError: true)!;
        var method = type.GetMethod(entryPoint.MetadataName, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
            ?? throw new InvalidOperationException($"Entry point {typeName}.{entryPoint.MetadataName} not found in the emitted script.");
        return method.CreateDelegate<Func<object?[], Task<object>>>();
    }

    /// <summary>
    /// For "name does not exist" errors on a forbidden API (its assembly is deliberately not referenced, e.g. System.Net.Http,
    /// System.Console, System.Diagnostics.Process), says that it is not available to rules rather than merely missing.
    /// </summary>
    private static string Hint(Diagnostic diagnostic, SyntaxTree tree)
    {
        if (diagnostic.Id is not ("CS0103" or "CS0234" or "CS0246" or "CS0400") || !diagnostic.Location.IsInSource) return "";
        SyntaxNode node = tree.GetRoot().FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
        while (node.Parent is QualifiedNameSyntax or AliasQualifiedNameSyntax || (node.Parent is MemberAccessExpressionSyntax ma && ma.Expression == node))
            node = node.Parent;
        var name = string.Concat(node.ToString().Where(c => !char.IsWhiteSpace(c)));
        return ScriptAllowlist.UnresolvedNameHint(name) is { } hint ? $" ({hint}: not available to rules)" : "";
    }

    private static SourceLocation Locate(string path, Location location)
    {
        if (!location.IsInSource) return new SourceLocation(path, 0, 0);
        // Unmapped on purpose: a #line directive in the script must not move diagnostics elsewhere.
        var start = location.GetLineSpan().StartLinePosition;
        return new SourceLocation(path, start.Line + 1, start.Character + 1);
    }

    private static SourceLocation LocateRewritten(string path, Location location, ScriptPositionMap? positions)
    {
        if (!location.IsInSource) return new SourceLocation(path, 0, 0);
        var start = location.GetLineSpan().StartLinePosition;
        var (line, column) = positions?.ToOriginal(start.Line + 1, start.Character + 1) ?? (start.Line + 1, start.Character + 1);
        return new SourceLocation(path, line, column);
    }

    private void PruneDeadEntries()
    {
        foreach (var (key, weak) in _cache)
            if (!weak.TryGetTarget(out _)) _cache.TryRemove(new KeyValuePair<string, WeakReference<ScriptAssemblyHandle>>(key, weak));
    }
}
