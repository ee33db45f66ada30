using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace Gateway.Policy.Scripting;

/// <summary>
/// Walks a script's syntax tree with its semantic model and reports every use of something the rule API does not offer
/// (<see cref="ScriptAllowlist"/>), plus constructs that escape any allowlist: <c>#r</c>/<c>#load</c>, unsafe code,
/// <c>dynamic</c>, <c>stackalloc</c>, <c>lock</c>, <c>await</c>, <c>extern</c>, and recursion among the script's own methods
/// (unbounded recursion overflows the stack, which .NET cannot catch: it would end the gateway process).
/// One diagnostic per offending expression, at its start; nested parts of an already reported expression are not reported again.
/// </summary>
internal sealed class ScriptAllowlistChecker
{
    private readonly SemanticModel _model;
    private readonly IAssemblySymbol _scriptAssembly;
    private readonly List<(Location Location, string Message)> _found = [];
    private readonly List<TextSpan> _reported = [];
    private readonly List<(IMethodSymbol Caller, IMethodSymbol Callee, Location Location)> _calls = [];

    private ScriptAllowlistChecker(SemanticModel model, IAssemblySymbol scriptAssembly)
    {
        _model = model;
        _scriptAssembly = scriptAssembly;
    }

    /// <summary>Every violation in <paramref name="tree"/>, in source order.</summary>
    public static IReadOnlyList<(Location Location, string Message)> Check(Compilation compilation, SyntaxTree tree)
    {
        var checker = new ScriptAllowlistChecker(compilation.GetSemanticModel(tree), compilation.Assembly);
        foreach (var node in tree.GetRoot().DescendantNodesAndSelf(descendIntoTrivia: true)) checker.Visit(node);
        checker.CheckRecursion();
        checker.CheckReservedNames(tree);
        return checker._found.OrderBy(f => f.Location.SourceSpan.Start).ToList();
    }

    private void Visit(SyntaxNode node)
    {
        if (IsInsideReported(node.Span)) return;
        if (Construct(node) is { } constructReason)
        {
            Report(node, constructReason);
            return;
        }
        if (Downcast(node) is { } downcastReason)
        {
            Report(node, downcastReason);
            return;
        }
        if (BudgetEscape(node) is { } escapeReason)
        {
            Report(node, escapeReason);
            return;
        }
        CheckImplicitCalls(node);
        if (IsInsideReported(node.Span)) return;
        if (node is not (ExpressionSyntax or AttributeSyntax or ConstructorInitializerSyntax or PrimaryConstructorBaseTypeSyntax or UsingDirectiveSyntax)) return;
        if (node is UsingDirectiveSyntax { StaticKeyword.RawKind: 0, Alias: null }) return;

        var info = _model.GetSymbolInfo(node is UsingDirectiveSyntax u ? u.NamespaceOrType : node);
        foreach (var symbol in info.Symbol is { } s ? [s] : info.CandidateSymbols)
        {
            if (ScriptAllowlist.CheckSymbol(symbol, _scriptAssembly) is { } reason)
            {
                Report(node, $"'{symbol.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat)}' is not allowed in rule scripts: {reason}");
                return;
            }
            RecordCall(node, symbol);
        }
        if (node is ExpressionSyntax expression and not (InterpolatedStringExpressionSyntax or LiteralExpressionSyntax))
        {
            var typeInfo = _model.GetTypeInfo(expression);
            ITypeSymbol?[] types = IsArrayLoopedOver(expression, typeInfo) ? [typeInfo.Type] : [typeInfo.Type, typeInfo.ConvertedType];
            foreach (var type in types)
            {
                if (ScriptAllowlist.CheckType(type, _scriptAssembly) is { } reason)
                {
                    Report(node, $"an expression of type '{type!.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat)}' is not allowed in rule scripts: {reason}");
                    return;
                }
            }
        }
    }

    /// <summary>
    /// True for the array of a <c>foreach</c>. The language defines that loop through a conversion to the non-generic
    /// <c>System.Collections.IEnumerable</c>, so the semantic model reports that as the expression's converted type; but the
    /// compiler emits an indexed loop over the array and no enumerator exists. Checking the converted type would refuse every
    /// <c>foreach</c> over an array (the usual shape of <c>foreach (var (a, b) in pairs)</c>); the array's own type, element
    /// type included, is still checked.
    /// The type in <c>foreach (var x in new int[2, 2])</c> gets the same converted type as the creation it names.
    /// </summary>
    private static bool IsArrayLoopedOver(ExpressionSyntax expression, TypeInfo typeInfo)
    {
        var collection = expression.Parent is ArrayCreationExpressionSyntax creation && creation.Type == expression ? creation : expression;
        return typeInfo.Type is IArrayTypeSymbol && collection.Parent is CommonForEachStatementSyntax loop && loop.Expression == collection;
    }

    /// <summary>
    /// Methods the compiler calls without the script naming them: <c>Deconstruct</c> in a deconstruction
    /// (<c>var (a, b) = x;</c>, <c>foreach (var (k, v) in d)</c>, a positional pattern) and an extension <c>GetEnumerator</c>
    /// in a <c>foreach</c>. They are checked like named calls, so an extension method imported with a plain <c>using</c>
    /// of a forbidden namespace cannot run through them; script-declared ones join the call graph (recursion).
    /// </summary>
    private void CheckImplicitCalls(SyntaxNode node)
    {
        (SyntaxNode At, IEnumerable<IMethodSymbol> Methods) implicitCalls = node switch
        {
            AssignmentExpressionSyntax { Left: TupleExpressionSyntax or DeclarationExpressionSyntax } assignment
                => (assignment, Deconstructs(_model.GetDeconstructionInfo(assignment))),
            ForEachVariableStatementSyntax loop => (loop.Variable, Deconstructs(_model.GetDeconstructionInfo(loop))),
            PositionalPatternClauseSyntax clause => (clause, _model.GetSymbolInfo(clause).Symbol is IMethodSymbol m ? [m] : []),
            _ => (node, []),
        };
        if (node is CommonForEachStatementSyntax forEach && _model.GetForEachStatementInfo(forEach).GetEnumeratorMethod is { IsExtensionMethod: true } getEnumerator)
            implicitCalls = (forEach.Expression, implicitCalls.Methods.Prepend(getEnumerator));
        foreach (var method in implicitCalls.Methods)
        {
            if (ScriptAllowlist.CheckSymbol(method, _scriptAssembly) is { } reason)
            {
                Report(implicitCalls.At, $"'{method.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat)}', called implicitly here, is not allowed in rule scripts: {reason}");
                return;
            }
            RecordCall(implicitCalls.At, method);
        }
    }

    /// <summary>The Deconstruct methods of a (possibly nested) deconstruction; tuples need none.</summary>
    private static IEnumerable<IMethodSymbol> Deconstructs(DeconstructionInfo info)
    {
        if (info.Method is { } method) yield return method;
        foreach (var nested in info.Nested)
            foreach (var m in Deconstructs(nested)) yield return m;
    }

    /// <summary>Language constructs refused whatever symbols they touch.</summary>
    private static string? Construct(SyntaxNode node) => node switch
    {
        ReferenceDirectiveTriviaSyntax => "#r is not allowed in rule scripts: a rule gets a fixed set of assemblies (System, System.Linq, System.Text, System.Text.RegularExpressions, System.Collections.Generic, Gateway.Policy.Abstractions)",
        LoadDirectiveTriviaSyntax => "#load is not allowed in rule scripts: a rule is one file",
        UnsafeStatementSyntax or FixedStatementSyntax or PointerTypeSyntax or FunctionPointerTypeSyntax => "unsafe code is not allowed in rule scripts",
        PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.AddressOfExpression or (int)SyntaxKind.PointerIndirectionExpression } => "unsafe code is not allowed in rule scripts",
        MemberDeclarationSyntax m when m.Modifiers.Any(SyntaxKind.UnsafeKeyword) => "unsafe code is not allowed in rule scripts",
        LocalFunctionStatementSyntax f when f.Modifiers.Any(SyntaxKind.UnsafeKeyword) => "unsafe code is not allowed in rule scripts",
        MemberDeclarationSyntax m when m.Modifiers.Any(SyntaxKind.ExternKeyword) => "extern methods are not allowed in rule scripts (native interop)",
        LocalFunctionStatementSyntax f when f.Modifiers.Any(SyntaxKind.ExternKeyword) => "extern methods are not allowed in rule scripts (native interop)",
        StackAllocArrayCreationExpressionSyntax or ImplicitStackAllocArrayCreationExpressionSyntax => "stackalloc is not allowed in rule scripts (a large allocation overflows the stack)",
        LockStatementSyntax => "lock is not allowed in rule scripts (threading): a rule runs alone on its request",
        AwaitExpressionSyntax => "await is not allowed in rule scripts: a rule runs synchronously within its time budget",
        ForEachStatementSyntax { AwaitKeyword.RawKind: not 0 } or UsingStatementSyntax { AwaitKeyword.RawKind: not 0 } or LocalDeclarationStatementSyntax { AwaitKeyword.RawKind: not 0 }
            => "await is not allowed in rule scripts: a rule runs synchronously within its time budget",
        MakeRefExpressionSyntax or RefTypeExpressionSyntax or RefValueExpressionSyntax => "__makeref, __reftype and __refvalue are not allowed in rule scripts",
        ExpressionSyntax e when e.IsKind(SyntaxKind.ArgListExpression) => "__arglist is not allowed in rule scripts",
        _ => null,
    };

    /// <summary>
    /// Code that would run outside the time-budget checks the compiler inserts into every loop and function
    /// (<see cref="ScriptBudgetRewriter"/>): finalizers run on the runtime's finalizer thread; a script's own exception type
    /// has members (Message, ToString) that the host calls on request threads when it reports the failure; a library method
    /// passed as a delegate is called per element by library code with no check in between, so library operators nested
    /// through it (SelectMany(Enumerable.AsEnumerable) over Repeat of Range) can run for hours.
    /// </summary>
    private string? BudgetEscape(SyntaxNode node)
    {
        switch (node)
        {
            case DestructorDeclarationSyntax:
                return "finalizers are not allowed in rule scripts: they run on the runtime's finalizer thread, outside the rule's time budget";
            case TypeDeclarationSyntax type when _model.GetDeclaredSymbol(type) is INamedTypeSymbol declared && DerivesFromException(declared):
                return "declaring exception types is not allowed in rule scripts: the gateway reads a failed rule's exception outside its time budget; " +
                    "throw a library exception with a message, e.g. throw new InvalidOperationException(\"...\")";
            case IdentifierNameSyntax or MemberAccessExpressionSyntax or GenericNameSyntax or MemberBindingExpressionSyntax
                when _model.GetOperation(node) is Microsoft.CodeAnalysis.Operations.IMethodReferenceOperation { Parent: Microsoft.CodeAnalysis.Operations.IDelegateCreationOperation } reference
                    && !SymbolEqualityComparer.Default.Equals(reference.Method.ContainingAssembly, _scriptAssembly):
                var name = reference.Method.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat);
                return $"passing the library method '{name}' as a delegate is not allowed in rule scripts: library code would call it with no time-budget check " +
                    $"in between; write a lambda instead, e.g. x => {reference.Method.ContainingType.Name}.{reference.Method.Name}(x)";
            default:
                return null;
        }
    }

    private static bool DerivesFromException(INamedTypeSymbol type)
    {
        for (var t = type.BaseType; t is not null; t = t.BaseType)
            if (t.ToDisplayString() == "System.Exception") return true;
        return false;
    }

    /// <summary>Names starting with <c>__gw_</c> belong to the inserted budget checks: calling or shadowing one is refused.</summary>
    private void CheckReservedNames(SyntaxTree tree)
    {
        foreach (var token in tree.GetRoot().DescendantTokens(descendIntoTrivia: true))
        {
            if (!token.IsKind(SyntaxKind.IdentifierToken) || !token.ValueText.StartsWith(ScriptBudgetRewriter.ReservedPrefix, StringComparison.Ordinal)) continue;
            if (IsInsideReported(token.Span)) continue;
            _found.Add((token.GetLocation(), $"'{token.ValueText}' is not allowed in rule scripts: names starting with {ScriptBudgetRewriter.ReservedPrefix} are reserved for the time-budget checks the gateway inserts"));
            _reported.Add(token.Span);
        }
    }

    /// <summary>
    /// The API hands out read-only views (<c>IReadOnlyList</c>, <c>IReadOnlyDictionary</c>) of collections that are mutable
    /// underneath. A cast, <c>as</c> or type pattern from such a view to an array or a mutable collection would let a rule
    /// change the request behind the journal (no rollback, no record), so those conversions are refused.
    /// </summary>
    private string? Downcast(SyntaxNode node)
    {
        var (from, to) = node switch
        {
            CastExpressionSyntax cast => (_model.GetTypeInfo(cast.Expression).Type, _model.GetTypeInfo(cast.Type).Type),
            BinaryExpressionSyntax { RawKind: (int)SyntaxKind.AsExpression or (int)SyntaxKind.IsExpression } b => (_model.GetTypeInfo(b.Left).Type, _model.GetTypeInfo(b.Right).Type),
            DeclarationPatternSyntax p => (PatternInput(p), _model.GetTypeInfo(p.Type).Type),
            TypePatternSyntax p => (PatternInput(p), _model.GetTypeInfo(p.Type).Type),
            RecursivePatternSyntax { Type: { } t } p => (PatternInput(p), _model.GetTypeInfo(t).Type),
            _ => (null, null),
        };
        if (from is null || to is null || !IsMutableCollection(to)) return null;
        var conversion = _model.Compilation.ClassifyConversion(from, to);
        if (conversion.IsImplicit || !conversion.IsReference) return null;
        return $"converting '{from.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat)}' to the mutable '{to.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat)}' is not allowed in rule scripts: " +
            "the request changes only through Route, ReplaceText, AddSystemNote and Tag (copy it with ToList() to work on your own list)";
    }

    private ITypeSymbol? PatternInput(PatternSyntax pattern) =>
        _model.GetOperation(pattern) is Microsoft.CodeAnalysis.Operations.IPatternOperation op ? op.InputType : null;

    private static bool IsMutableCollection(ITypeSymbol type) => type switch
    {
        IArrayTypeSymbol => true,
        INamedTypeSymbol named => named.AllInterfaces.Prepend(named).Any(i =>
            i.OriginalDefinition.ToDisplayString() is "System.Collections.Generic.ICollection<T>" or "System.Collections.ICollection"),
        _ => false,
    };

    private void RecordCall(SyntaxNode node, ISymbol symbol)
    {
        var callee = symbol switch
        {
            IMethodSymbol { MethodKind: not MethodKind.AnonymousFunction } m => [m],
            IPropertySymbol p => new[] { p.GetMethod, p.SetMethod }.OfType<IMethodSymbol>().ToArray(),
            _ => [],
        };
        if (callee.Length == 0 || !SymbolEqualityComparer.Default.Equals(callee[0].ContainingAssembly, _scriptAssembly)) return;
        var caller = _model.GetEnclosingSymbol(node.SpanStart);
        while (caller is IMethodSymbol { MethodKind: MethodKind.AnonymousFunction }) caller = caller.ContainingSymbol;
        if (caller is not IMethodSymbol callerMethod) return;
        foreach (var c in callee) _calls.Add((callerMethod.OriginalDefinition, c.OriginalDefinition, node.GetLocation()));
    }

    /// <summary>Reports each call that closes a cycle in the script's own call graph (direct or indirect recursion).</summary>
    private void CheckRecursion()
    {
        var edges = _calls.GroupBy(c => c.Caller, SymbolEqualityComparer.Default)
            .ToDictionary(g => (IMethodSymbol)g.Key!, g => g.Select(c => c.Callee).ToList(), (IEqualityComparer<IMethodSymbol>)SymbolEqualityComparer.Default);
        foreach (var (caller, callee, location) in _calls)
        {
            if (!Reaches(edges, callee, caller) || IsInsideReported(location.SourceSpan)) continue;
            _found.Add((location, $"recursion is not allowed in rule scripts ('{callee.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat)}' can call itself): unbounded recursion overflows the stack, which ends the gateway process; use a loop"));
            _reported.Add(location.SourceSpan);
        }
    }

    private static bool Reaches(Dictionary<IMethodSymbol, List<IMethodSymbol>> edges, IMethodSymbol from, IMethodSymbol to)
    {
        var seen = new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default);
        var stack = new Stack<IMethodSymbol>([from]);
        while (stack.TryPop(out var m))
        {
            if (SymbolEqualityComparer.Default.Equals(m, to)) return true;
            if (!seen.Add(m) || !edges.TryGetValue(m, out var next)) continue;
            foreach (var n in next) stack.Push(n);
        }
        return false;
    }

    private void Report(SyntaxNode node, string message)
    {
        // A directive lives in trivia: its location is its own span, like any node's.
        _found.Add((node.GetLocation(), message));
        _reported.Add(node.Span);
    }

    private bool IsInsideReported(TextSpan span) => _reported.Any(r => r.Contains(span));
}
