using System.Collections.Immutable;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using Gateway.Policy.Abstractions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.Scripting;
using Microsoft.CodeAnalysis.Scripting.Hosting;

namespace Gateway.Policy.Scripting;

/// <summary>
/// What a rule script is compiled against: a handful of runtime assemblies (only those the allowed namespaces need),
/// the Abstractions assembly, and the default imports. References are created once per process and shared by every
/// compilation, so Roslyn reads each assembly's metadata once instead of once per reload.
/// </summary>
internal static class ScriptReferences
{
    /// <summary>Namespaces imported into every script (so <c>Regex</c>, <c>List&lt;T&gt;</c>, LINQ and the globals API need no <c>using</c>).</summary>
    public static readonly ImmutableArray<string> Imports =
    [
        "System", "System.Linq", "System.Text", "System.Text.RegularExpressions", "System.Collections.Generic", "Gateway.Policy.Abstractions",
    ];

    // System.Private.CoreLib (object, string, List<T>, Dictionary<K,V>, StringBuilder...) is added by Roslyn scripting itself,
    // and so is the globals type's assembly. System.Runtime is the facade the other assemblies' metadata refers to.
    private static readonly Lazy<ImmutableArray<MetadataReference>> LazyReferences = new(() =>
    [
        .. new[]
        {
            typeof(object).Assembly,              // System.Private.CoreLib
            Assembly.Load("System.Runtime"),      // type forwarders used by the assemblies below
            typeof(Enumerable).Assembly,          // System.Linq
            Assembly.Load("System.Collections"),  // SortedDictionary, LinkedList... and the forwarders other metadata refers to
            typeof(Regex).Assembly,               // System.Text.RegularExpressions
            typeof(RuleGlobals).Assembly,         // Gateway.Policy.Abstractions
        }.Distinct().Select(a => (MetadataReference)MetadataReference.CreateFromFile(a.Location)),
    ]);

    public static ImmutableArray<MetadataReference> References => LazyReferences.Value;

    /// <summary>
    /// Passed to every <c>CSharpScript.Create</c> and never used to load anything (we emit and load ourselves). Without it,
    /// each Create makes its own loader, and on .NET Core that loader creates a non-collectible load context that lives
    /// for the rest of the process: about 1.5 KB and one more entry in <c>AssemblyLoadContext.All</c> per compilation.
    /// </summary>
    public static readonly InteractiveAssemblyLoader UnusedLoader = new();

    /// <summary>
    /// Options for one script: our references and imports only, no <c>#r</c>/<c>#load</c> resolution (the allowlist
    /// reports those directives with a clear diagnostic), no unsafe code, and <paramref name="path"/> as the file name so
    /// diagnostics name the .csx. Unoptimised unless <paramref name="optimize"/>: debuggable code keeps an exact IL-to-line
    /// map, so a throwing rule is reported with its line (optimised JIT code often maps the fault to IL offset 0).
    /// </summary>
    public static ScriptOptions Options(string path, bool optimize) => ScriptOptions.Default
        .WithReferences(References)
        .WithImports(Imports)
        .WithMetadataResolver(NoMetadataResolver.Instance)
        .WithSourceResolver(NoSourceResolver.Instance)
        .WithAllowUnsafe(false)
        .WithCheckOverflow(false)
        .WithOptimizationLevel(optimize ? OptimizationLevel.Release : OptimizationLevel.Debug)
        .WithEmitDebugInformation(true)
        .WithFileEncoding(Encoding.UTF8)
        .WithFilePath(path);

    /// <summary>Resolves no <c>#r</c> reference: scripts get exactly <see cref="References"/>.</summary>
    private sealed class NoMetadataResolver : MetadataReferenceResolver
    {
        public static readonly NoMetadataResolver Instance = new();
        public override bool Equals(object? other) => other is NoMetadataResolver;
        public override int GetHashCode() => 1;
        public override ImmutableArray<PortableExecutableReference> ResolveReference(string reference, string? baseFilePath, MetadataReferenceProperties properties) => [];
    }

    /// <summary>Resolves no <c>#load</c>: a rule is one file.</summary>
    private sealed class NoSourceResolver : SourceReferenceResolver
    {
        public static readonly NoSourceResolver Instance = new();
        public override bool Equals(object? other) => other is NoSourceResolver;
        public override int GetHashCode() => 2;
        public override string? NormalizePath(string path, string? baseFilePath) => path;
        public override string? ResolveReference(string path, string? baseFilePath) => null;
        public override Stream OpenRead(string resolvedPath) => throw new NotSupportedException("#load is not allowed in rule scripts.");
    }
}
