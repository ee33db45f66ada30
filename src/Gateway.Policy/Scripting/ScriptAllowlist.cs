using Microsoft.CodeAnalysis;

namespace Gateway.Policy.Scripting;

/// <summary>
/// What a rule script may name. An allowlist, not a denylist: a type is usable only when its namespace is listed below;
/// within the listed namespaces a few types and members are still refused because they reach the process, reflection
/// or process-wide state. Checked on the semantic model (symbols, not text), so aliases, <c>using static</c> and
/// <c>var</c> cannot hide a forbidden API.
/// </summary>
internal static class ScriptAllowlist
{
    /// <summary>Namespaces whose types scripts may use (exactly these: <c>System.Text.Json</c> is not allowed because <c>System.Text</c> is).</summary>
    public static readonly IReadOnlySet<string> Namespaces = new HashSet<string>(StringComparer.Ordinal)
    {
        "System", "System.Linq", "System.Text", "System.Text.RegularExpressions", "System.Collections.Generic", "Gateway.Policy.Abstractions",
    };

    /// <summary>Types of allowed namespaces that are still refused, with the reason shown to the rule author.</summary>
    public static readonly IReadOnlyDictionary<string, string> DeniedTypes = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["System.Environment"] = "environment and process state",
        ["System.AppDomain"] = "process state",
        ["System.AppContext"] = "process-wide switches and data",
        ["System.GC"] = "the garbage collector",
        ["System.Activator"] = "reflection (creating instances by type)",
        ["System.Type"] = "reflection (types, methods and members by name)",
        ["System.RuntimeTypeHandle"] = "reflection",
        ["System.RuntimeMethodHandle"] = "reflection",
        ["System.RuntimeFieldHandle"] = "reflection",
        ["System.ModuleHandle"] = "reflection",
        ["System.TypedReference"] = "unsafe memory access",
        ["System.ArgIterator"] = "unsafe memory access",
        ["System.Console"] = "console I/O (use Log.Info / Log.Warn)",
        ["System.Buffer"] = "raw memory copies",
        ["System.Delegate"] = "reflection on delegates",
        ["System.MulticastDelegate"] = "reflection on delegates",
        ["System.Text.EncodingProvider"] = "process-wide encoding registration",
    };

    /// <summary>Members of allowed types that are refused (<c>Type.FullName.Member</c>).</summary>
    public static readonly IReadOnlyDictionary<string, string> DeniedMembers = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["System.Object.GetType"] = "reflection (types, methods and members by name)",
        ["System.Text.RegularExpressions.Regex.CacheSize"] = "process-wide regex cache",
        ["System.Text.RegularExpressions.Regex.CompileToAssembly"] = "assembly generation",
        ["System.Text.Encoding.RegisterProvider"] = "process-wide encoding registration",
        ["System.Exception.TargetSite"] = "reflection",
        // Library loops that no inserted budget check can interrupt and that no int count bounds (see README, "Time budget").
        ["System.Linq.Enumerable.InfiniteSequence"] = "an endless sequence: library code enumerating it never reaches a time-budget check (use a loop)",
        ["System.Linq.Enumerable.Sequence"] = "a sequence of up to long.MaxValue elements, enumerated by library code with no time-budget check (use a loop)",
    };

    /// <summary>Why a namespace is not on the list, for the diagnostic (the first matching prefix wins).</summary>
    private static readonly (string Prefix, string Reason)[] NamespaceReasons =
    [
        ("System.IO", "file system and stream access"),
        ("System.Net", "network access"),
        ("System.Diagnostics", "processes and diagnostics"),
        ("System.Reflection", "reflection"),
        ("System.Runtime.InteropServices", "native interop"),
        ("System.Runtime.Loader", "assembly loading"),
        ("System.Runtime.CompilerServices", "compiler and runtime internals"),
        ("System.Runtime", "runtime internals"),
        ("System.Threading", "threads, tasks and timers (a rule runs synchronously within its time budget)"),
        ("System.Security", "security and cryptography APIs"),
        ("Microsoft.Win32", "the registry and native APIs"),
        ("Microsoft.CSharp", "dynamic binding"),
    ];

    /// <summary>Regex methods that match text: they need an explicit match timeout (see <see cref="RegexReason"/>).</summary>
    public static readonly IReadOnlySet<string> RegexMatchingMethods = new HashSet<string>(StringComparer.Ordinal)
    {
        "IsMatch", "Match", "Matches", "Replace", "Split", "Count", "EnumerateMatches", "EnumerateSplits",
    };

    public const string RegexReason =
        "a regex without a match timeout can backtrack far past the rule's time budget and keep a worker thread busy; " +
        "pass a timeout, e.g. new Regex(pattern, RegexOptions.None, TimeSpan.FromMilliseconds(20)) or Regex.IsMatch(text, pattern, RegexOptions.None, TimeSpan.FromMilliseconds(20))";

    /// <summary>
    /// Names that do not even resolve in a script (their assemblies are not referenced, or their namespace is not imported)
    /// but that authors reach for: the compiler's "does not exist" error gets this explanation appended.
    /// </summary>
    private static readonly IReadOnlyDictionary<string, string> WellKnownNames = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["Console"] = "console I/O (use Log.Info / Log.Warn)",
        ["File"] = "file system and stream access", ["Directory"] = "file system and stream access", ["Path"] = "file system and stream access",
        ["FileInfo"] = "file system and stream access", ["StreamReader"] = "file system and stream access", ["Stream"] = "file system and stream access",
        ["Process"] = "processes and diagnostics", ["Debug"] = "processes and diagnostics", ["Stopwatch"] = "processes and diagnostics",
        ["Thread"] = "threads, tasks and timers", ["Task"] = "threads, tasks and timers", ["Timer"] = "threads, tasks and timers", ["Parallel"] = "threads, tasks and timers",
        ["HttpClient"] = "network access", ["WebClient"] = "network access", ["Dns"] = "network access", ["Socket"] = "network access",
        ["Assembly"] = "reflection", ["MethodInfo"] = "reflection", ["Marshal"] = "native interop", ["JsonSerializer"] = "reflection-based serialization",
    };

    /// <summary>An explanation for a name the compiler could not resolve, when it is a forbidden API; else null.</summary>
    public static string? UnresolvedNameHint(string dottedName)
    {
        var name = dottedName.StartsWith("global::", StringComparison.Ordinal) ? dottedName[8..] : dottedName;
        if (name.StartsWith("System.", StringComparison.Ordinal) || name.StartsWith("Microsoft.", StringComparison.Ordinal))
            return KnownNamespaceReason(name);
        var first = name.Split('.')[0];
        return WellKnownNames.TryGetValue(first, out var reason) ? $"{first}: {reason}" : null;
    }

    private static string? KnownNamespaceReason(string name)
    {
        foreach (var (prefix, reason) in NamespaceReasons)
            if (name == prefix || name.StartsWith(prefix + ".", StringComparison.Ordinal)) return $"{prefix}: {reason}";
        return null;
    }

    public static string NamespaceReason(string ns)
    {
        foreach (var (prefix, reason) in NamespaceReasons)
            if (ns == prefix || ns.StartsWith(prefix + ".", StringComparison.Ordinal)) return reason;
        return "only System, System.Linq, System.Text, System.Text.RegularExpressions, System.Collections.Generic and Gateway.Policy.Abstractions are available to rules";
    }

    /// <summary>The reason <paramref name="type"/> may not be used, or null when it may. Array elements, type arguments and containing types are checked too.</summary>
    public static string? CheckType(ITypeSymbol? type, IAssemblySymbol scriptAssembly)
    {
        switch (type)
        {
            case null or IErrorTypeSymbol or ITypeParameterSymbol:
                return null;
            case IDynamicTypeSymbol:
                return "'dynamic' is not allowed in rule scripts (late binding bypasses the allowlist)";
            case IPointerTypeSymbol or IFunctionPointerTypeSymbol:
                return "pointers are not allowed in rule scripts (unsafe code)";
            case IArrayTypeSymbol array:
                return CheckType(array.ElementType, scriptAssembly);
            case INamedTypeSymbol named:
                if (named.IsTupleType && named.TupleUnderlyingType is { } underlying && !SymbolEqualityComparer.Default.Equals(underlying, named))
                    return CheckType(underlying, scriptAssembly);
                foreach (var arg in named.TypeArguments)
                    if (CheckType(arg, scriptAssembly) is { } argReason) return argReason;
                if (SymbolEqualityComparer.Default.Equals(named.ContainingAssembly, scriptAssembly)) return null;
                var outer = named;
                while (outer.ContainingType is { } containing)
                {
                    if (CheckType(containing, scriptAssembly) is { } containingReason) return containingReason;
                    outer = containing;
                }
                var ns = outer.ContainingNamespace?.ToDisplayString() ?? "";
                if (!Namespaces.Contains(ns)) return $"namespace {(ns.Length == 0 ? "<global>" : ns)} is not available to rules ({NamespaceReason(ns)})";
                var name = named.OriginalDefinition.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat.WithGenericsOptions(SymbolDisplayGenericsOptions.None));
                return DeniedTypes.TryGetValue(name, out var typeReason) ? $"{name} is not available to rules ({typeReason})" : null;
            default:
                return null;
        }
    }

    /// <summary>The reason a symbol the script uses is refused, or null. Members are checked by their containing type, their own name and their type arguments.</summary>
    public static string? CheckSymbol(ISymbol? symbol, IAssemblySymbol scriptAssembly)
    {
        switch (symbol)
        {
            case null or INamespaceSymbol or ILabelSymbol or IDiscardSymbol or IPreprocessingSymbol:
                return null;
            case IAliasSymbol alias:
                return CheckSymbol(alias.Target, scriptAssembly);
            case ITypeSymbol type:
                return CheckType(type, scriptAssembly);
            case ILocalSymbol local:
                return CheckType(local.Type, scriptAssembly);
            case IParameterSymbol parameter:
                return CheckType(parameter.Type, scriptAssembly);
            case IRangeVariableSymbol:
                return null;
        }

        if (symbol.ContainingType is { } owner && CheckType(owner, scriptAssembly) is { } ownerReason) return ownerReason;
        if (symbol.ContainingType is { } type2 && !SymbolEqualityComparer.Default.Equals(symbol.ContainingAssembly, scriptAssembly))
        {
            var typeName = type2.OriginalDefinition.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat.WithGenericsOptions(SymbolDisplayGenericsOptions.None));
            var memberName = symbol is IMethodSymbol { AssociatedSymbol: { } associated } ? associated.Name : symbol.Name;
            if (DeniedMembers.TryGetValue(typeName + "." + memberName, out var memberReason))
                return $"{typeName}.{memberName} is not available to rules ({memberReason})";
            if (typeName == "System.Text.RegularExpressions.Regex" && symbol is IMethodSymbol regexMethod
                && (regexMethod.MethodKind == MethodKind.Constructor || (regexMethod.IsStatic && RegexMatchingMethods.Contains(regexMethod.Name)))
                && !regexMethod.Parameters.Any(p => p.Type.Name == nameof(TimeSpan) && p.Type.ContainingNamespace?.ToDisplayString() == "System"))
                return $"Regex {(regexMethod.MethodKind == MethodKind.Constructor ? "constructor" : "." + regexMethod.Name)} without a match timeout: {RegexReason}";
        }

        switch (symbol)
        {
            case IMethodSymbol method:
                foreach (var arg in method.TypeArguments)
                    if (CheckType(arg, scriptAssembly) is { } argReason) return argReason;
                if (method.IsExtern) return "extern methods are not allowed in rule scripts (native interop)";
                return CheckType(method.ReturnType, scriptAssembly);
            case IPropertySymbol property:
                return CheckType(property.Type, scriptAssembly);
            case IFieldSymbol field:
                return CheckType(field.Type, scriptAssembly);
            case IEventSymbol ev:
                return CheckType(ev.Type, scriptAssembly);
            default:
                return null;
        }
    }
}
