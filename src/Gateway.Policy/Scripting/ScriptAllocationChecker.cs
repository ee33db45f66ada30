using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Gateway.Policy.Scripting;

/// <summary>
/// Refuses, at compile time, single allocations whose size is a constant over the rule's memory budget: they happen inside
/// one runtime call, before any inserted check could stop them (<c>new string('x', 500_000_000)</c> is a gigabyte at once).
/// Covered: array creation (<c>new byte[N]</c>, <c>new int[N, M]</c>), <c>new string(c, N)</c>, a constant <c>capacity</c>
/// given to a constructor or to <c>EnsureCapacity</c> (<c>new StringBuilder(N)</c>, <c>new List&lt;T&gt;(N)</c>...),
/// <c>PadLeft/PadRight(N)</c>, <c>StringBuilder.Append(c, N)</c>/<c>Insert(i, s, N)</c> and <c>Array.Resize(ref a, N)</c>.
/// Sizes that are not compile-time constants (the common case: a count from the request) are left to the runtime checks.
/// The estimate is the payload only (elements times their size), so it never overstates what the runtime allocates.
/// </summary>
internal static class ScriptAllocationChecker
{
    /// <summary>Parameters whose constant argument is a count of elements the call allocates at once.</summary>
    private static readonly HashSet<string> SizeParameters = new(StringComparer.Ordinal) { "capacity", "totalWidth", "repeatCount", "newSize" };

    /// <summary>Every allocation in <paramref name="tree"/> of a constant size over <paramref name="memoryMb"/> MiB, in source order.</summary>
    public static IReadOnlyList<(Location Location, string Message)> Check(SemanticModel model, SyntaxTree tree, int memoryMb)
    {
        var budget = (long)memoryMb * 1024 * 1024;
        var scriptAssembly = model.Compilation.Assembly;
        var found = new List<(Location, string)>();
        foreach (var node in tree.GetRoot().DescendantNodes())
        {
            // Only the operation rooted at this very node: its children come up as nodes of their own.
            var operation = model.GetOperation(node);
            if (operation is null || operation.Syntax != node) continue;
            // The script's own methods and types may name a parameter "capacity" for anything: only library calls are sized.
            if (operation is IInvocationOperation { TargetMethod: var m } && SymbolEqualityComparer.Default.Equals(m.ContainingAssembly, scriptAssembly)) continue;
            if (operation is IObjectCreationOperation { Constructor: { } c } && SymbolEqualityComparer.Default.Equals(c.ContainingAssembly, scriptAssembly)) continue;
            if (Estimate(operation) is not ({ } what, var bytes) || bytes <= budget) continue;
            found.Add((node.GetLocation(),
                $"{what} allocates about {Mib(bytes)} MiB at once (a constant size), over the rule's memory budget of {memoryMb} MiB " +
                "(memory_mb); a single allocation cannot be stopped half-way"));
        }
        return found;
    }

    /// <summary>What the operation allocates at once and how many bytes, when its size is a compile-time constant.</summary>
    private static (string? What, long Bytes) Estimate(IOperation operation)
    {
        switch (operation)
        {
            case IArrayCreationOperation { Type: IArrayTypeSymbol array } creation:
                {
                    // new T[a, b]: a * b elements; any non-constant dimension leaves it to the runtime checks.
                    var count = 1.0;
                    foreach (var size in creation.DimensionSizes)
                    {
                        if (Constant(size) is not { } n) return (null, 0);
                        count *= n;
                    }
                    return ($"'new {array.ElementType.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)}[...]'", Bytes(count, ElementSize(array.ElementType)));
                }
            case IObjectCreationOperation { Constructor: { } constructor } creation:
                {
                    var type = constructor.ContainingType;
                    var name = $"'new {type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)}(...)'";
                    // new string(c, count): count chars.
                    if (type.SpecialType == SpecialType.System_String)
                        return ArgumentCount(creation.Arguments, "count") is { } chars ? (name, Bytes(chars, 2)) : (null, 0);
                    return ArgumentCount(creation.Arguments, null) is { } n ? (name, Bytes(n, ContainedSize(type))) : (null, 0);
                }
            case IInvocationOperation { TargetMethod: { } method } call:
                {
                    if (ArgumentCount(call.Arguments, null) is not { } n) return (null, 0);
                    var owner = method.ContainingType;
                    var name = $"'{owner.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)}.{method.Name}'";
                    // Array.Resize<T>(ref a, newSize): newSize elements of T.
                    var size = method.IsGenericMethod && method.TypeArguments.Length == 1 ? ElementSize(method.TypeArguments[0]) : ContainedSize(owner);
                    return (name, Bytes(n, size));
                }
            default:
                return (null, 0);
        }
    }

    /// <summary>The largest constant argument given to a size parameter (<paramref name="only"/>, or any of <see cref="SizeParameters"/>).</summary>
    private static double? ArgumentCount(IEnumerable<IArgumentOperation> arguments, string? only)
    {
        double? largest = null;
        foreach (var argument in arguments)
        {
            if (argument.Parameter is not { } parameter) continue;
            var isSize = only is null ? SizeParameters.Contains(parameter.Name) : parameter.Name == only;
            // StringBuilder.Insert(index, value, count): count copies of value; counted as one char each (a lower bound).
            isSize |= only is null && parameter.Name == "count" && parameter.ContainingSymbol is IMethodSymbol { Name: "Insert" } m
                && m.ContainingType.ToDisplayString() == "System.Text.StringBuilder";
            if (!isSize || Constant(argument.Value) is not { } n) continue;
            largest = Math.Max(largest ?? 0, n);
        }
        return largest;
    }

    private static double? Constant(IOperation value) => value.ConstantValue is { HasValue: true, Value: { } v } && v is int or long or uint or ulong or short or ushort or byte or sbyte
        ? Convert.ToDouble(v, CultureInfo.InvariantCulture)
        : null;

    /// <summary>Bytes per element a collection or builder of this type holds: chars for strings and builders, its type arguments' sizes for generic collections.</summary>
    private static int ContainedSize(INamedTypeSymbol type)
    {
        if (type.SpecialType == SpecialType.System_String || type.ToDisplayString() == "System.Text.StringBuilder") return 2;
        return type.TypeArguments.Length > 0 ? type.TypeArguments.Sum(ElementSize) : IntPtr.Size;
    }

    /// <summary>Bytes one element of <paramref name="type"/> takes in an array: its size for primitives, a reference otherwise (a lower bound for structs).</summary>
    private static int ElementSize(ITypeSymbol type) => type.SpecialType switch
    {
        SpecialType.System_Boolean or SpecialType.System_Byte or SpecialType.System_SByte => 1,
        SpecialType.System_Char or SpecialType.System_Int16 or SpecialType.System_UInt16 => 2,
        SpecialType.System_Int32 or SpecialType.System_UInt32 or SpecialType.System_Single => 4,
        SpecialType.System_Decimal => 16,
        _ => IntPtr.Size,
    };

    private static long Bytes(double count, int size) => count * size >= long.MaxValue ? long.MaxValue : (long)(count * size);

    private static string Mib(long bytes) => (bytes / (1024.0 * 1024)).ToString("0", CultureInfo.InvariantCulture);
}
