using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace Gateway.Policy.Scripting;

/// <summary>
/// Inserts budget checks into a rule script that already compiled and passed the allowlist, so a script that loops or
/// recurses forever stops once its time is up instead of spinning a worker thread for the life of the process:
/// <list type="bullet">
/// <item><c>__gw_loop()</c> at the top of every <c>while</c>, <c>do</c>, <c>for</c> and <c>foreach</c> body, and before every
/// <c>goto</c> (the other way to loop);</item>
/// <item><c>__gw_enter()</c> at the start of every method, local function, lambda, anonymous method, accessor, constructor and
/// operator body (recursion through delegates or method groups, which the allowlist's call graph cannot see; it also
/// guards the stack);</item>
/// <item><c>__gw_pass(...)</c> around every query-clause expression after the first <c>from</c> (each becomes a lambda the
/// compiler writes, so <c>from a in xs from b in ys select a</c> is checked per element too).</item>
/// </list>
/// The rewrite is a list of text edits on the original source (inserts, plus <c>=&gt;</c> and <c>;</c> of expression-bodied
/// members turned into a block), applied and re-parsed into a new tree. Every original token keeps its text, and the edits
/// give an exact map back to the user's positions (<see cref="ScriptPositionMap"/>). Diagnostics are taken from the original
/// tree before this runs, so they never see the inserted code; the PDB of the rewritten tree is mapped back through the map.
/// </summary>
internal sealed class ScriptBudgetRewriter : CSharpSyntaxWalker
{
    private const string Api = "global::Gateway.Policy.Abstractions.RuleGlobals.";
    internal const string Loop = Api + "__gw_loop();";
    internal const string Enter = Api + "__gw_enter();";
    internal const string Pass = Api + "__gw_pass(";

    /// <summary>Names reserved for the inserted checks: user code that names one is rejected (<see cref="ScriptAllowlistChecker"/>).</summary>
    internal const string ReservedPrefix = "__gw_";

    private readonly SemanticModel _model;
    private readonly List<Edit> _edits = [];

    private ScriptBudgetRewriter(SemanticModel model) : base(SyntaxWalkerDepth.Node) => _model = model;

    /// <summary>The tree with checks inserted, and the map from its positions back to <paramref name="tree"/>'s.</summary>
    public static (SyntaxTree Tree, ScriptPositionMap Map) Rewrite(SyntaxTree tree, SemanticModel model)
    {
        var rewriter = new ScriptBudgetRewriter(model);
        rewriter.Visit(tree.GetRoot());
        var original = tree.GetText();
        var edits = rewriter._edits.OrderBy(e => e.Start).ThenBy(e => e.Rank).ToList();
        var text = new StringBuilder(original.Length + edits.Sum(e => e.Text.Length));
        var at = 0;
        foreach (var edit in edits)
        {
            text.Append(original.ToString(TextSpan.FromBounds(at, edit.Start))).Append(edit.Text);
            at = edit.Start + edit.Length;
        }
        text.Append(original.ToString(TextSpan.FromBounds(at, original.Length)));
        // An encoding is required to emit a PDB for the tree (source checksums).
        var rewritten = SourceText.From(text.ToString(), original.Encoding ?? Encoding.UTF8, original.ChecksumAlgorithm);
        var newTree = CSharpSyntaxTree.ParseText(rewritten, (CSharpParseOptions)tree.Options, tree.FilePath);
        return (newTree, new ScriptPositionMap(original, rewritten, edits.Select(e => (e.Start, e.Length, e.Text.Length)).ToArray()));
    }

    // Loops: a check at the top of the body.
    public override void VisitWhileStatement(WhileStatementSyntax node) { Body(node.Statement, Loop); base.VisitWhileStatement(node); }
    public override void VisitDoStatement(DoStatementSyntax node) { Body(node.Statement, Loop); base.VisitDoStatement(node); }
    public override void VisitForStatement(ForStatementSyntax node) { Body(node.Statement, Loop); base.VisitForStatement(node); }
    public override void VisitForEachStatement(ForEachStatementSyntax node) { Body(node.Statement, Loop); base.VisitForEachStatement(node); }
    public override void VisitForEachVariableStatement(ForEachVariableStatementSyntax node) { Body(node.Statement, Loop); base.VisitForEachVariableStatement(node); }

    public override void VisitGotoStatement(GotoStatementSyntax node)
    {
        Wrap(node, "{" + Loop, "}");
        base.VisitGotoStatement(node);
    }

    // Functions: a check at the start of the body.
    public override void VisitLocalFunctionStatement(LocalFunctionStatementSyntax node)
    {
        Function(node.Body, node.ExpressionBody, node.SemicolonToken, ReturnsNothing(_model.GetDeclaredSymbol(node) as IMethodSymbol));
        base.VisitLocalFunctionStatement(node);
    }

    public override void VisitMethodDeclaration(MethodDeclarationSyntax node)
    {
        Function(node.Body, node.ExpressionBody, node.SemicolonToken, ReturnsNothing(_model.GetDeclaredSymbol(node)));
        base.VisitMethodDeclaration(node);
    }

    public override void VisitConstructorDeclaration(ConstructorDeclarationSyntax node)
    {
        Function(node.Body, node.ExpressionBody, node.SemicolonToken, returnsNothing: true);
        base.VisitConstructorDeclaration(node);
    }

    public override void VisitOperatorDeclaration(OperatorDeclarationSyntax node)
    {
        Function(node.Body, node.ExpressionBody, node.SemicolonToken, returnsNothing: false);
        base.VisitOperatorDeclaration(node);
    }

    public override void VisitConversionOperatorDeclaration(ConversionOperatorDeclarationSyntax node)
    {
        Function(node.Body, node.ExpressionBody, node.SemicolonToken, returnsNothing: false);
        base.VisitConversionOperatorDeclaration(node);
    }

    public override void VisitAccessorDeclaration(AccessorDeclarationSyntax node)
    {
        Function(node.Body, node.ExpressionBody, node.SemicolonToken, !node.IsKind(SyntaxKind.GetAccessorDeclaration));
        base.VisitAccessorDeclaration(node);
    }

    public override void VisitPropertyDeclaration(PropertyDeclarationSyntax node)
    {
        if (node.ExpressionBody is { } arrow) ArrowToBlock(arrow, node.SemicolonToken, "{get{" + Enter + Return(arrow.Expression), ";}}");
        base.VisitPropertyDeclaration(node);
    }

    public override void VisitIndexerDeclaration(IndexerDeclarationSyntax node)
    {
        if (node.ExpressionBody is { } arrow) ArrowToBlock(arrow, node.SemicolonToken, "{get{" + Enter + Return(arrow.Expression), ";}}");
        base.VisitIndexerDeclaration(node);
    }

    public override void VisitParenthesizedLambdaExpression(ParenthesizedLambdaExpressionSyntax node) { AnonymousFunction(node); base.VisitParenthesizedLambdaExpression(node); }
    public override void VisitSimpleLambdaExpression(SimpleLambdaExpressionSyntax node) { AnonymousFunction(node); base.VisitSimpleLambdaExpression(node); }
    public override void VisitAnonymousMethodExpression(AnonymousMethodExpressionSyntax node) { AnonymousFunction(node); base.VisitAnonymousMethodExpression(node); }

    // Query clauses after the first from: each expression becomes the body of a compiler-written lambda.
    public override void VisitQueryBody(QueryBodySyntax node)
    {
        foreach (var clause in node.Clauses)
        {
            switch (clause)
            {
                case FromClauseSyntax from: PassThrough(from.Expression); break;
                case LetClauseSyntax let: PassThrough(let.Expression); break;
                case WhereClauseSyntax where: PassThrough(where.Condition); break;
                case JoinClauseSyntax join: PassThrough(join.LeftExpression); PassThrough(join.RightExpression); break;
                case OrderByClauseSyntax orderBy: foreach (var o in orderBy.Orderings) PassThrough(o.Expression); break;
            }
        }
        switch (node.SelectOrGroup)
        {
            case SelectClauseSyntax select: PassThrough(select.Expression); break;
            case GroupClauseSyntax group: PassThrough(group.GroupExpression); PassThrough(group.ByExpression); break;
        }
        base.VisitQueryBody(node);
    }

    private void AnonymousFunction(AnonymousFunctionExpressionSyntax node)
    {
        if (node.Block is { } block) Insert(block.OpenBraceToken.Span.End, Enter, opener: true, block);
        else if (node.ExpressionBody is { } body)
        {
            var nothing = ReturnsNothing(_model.GetSymbolInfo(node).Symbol as IMethodSymbol);
            Wrap(body, "{" + Enter + (nothing ? "" : Return(body)), ";}");
        }
    }

    private void Function(BlockSyntax? block, ArrowExpressionClauseSyntax? arrow, SyntaxToken semicolon, bool returnsNothing)
    {
        if (block is not null) Insert(block.OpenBraceToken.Span.End, Enter, opener: true, block);
        else if (arrow is not null) ArrowToBlock(arrow, semicolon, "{" + Enter + (returnsNothing ? "" : Return(arrow.Expression)), ";}");
    }

    /// <summary><c>=&gt; e;</c> becomes <c>{ check; return e; }</c>: the arrow and the semicolon are replaced, <c>e</c> is untouched.</summary>
    private void ArrowToBlock(ArrowExpressionClauseSyntax arrow, SyntaxToken semicolon, string open, string close)
    {
        if (semicolon.IsMissing) return;
        _edits.Add(new Edit(arrow.ArrowToken.SpanStart, arrow.ArrowToken.Span.Length, open, 0));
        _edits.Add(new Edit(semicolon.SpanStart, semicolon.Span.Length, close, 0));
    }

    /// <summary>A loop body: after the brace of a block, else the statement becomes a block.</summary>
    private void Body(StatementSyntax body, string check)
    {
        if (body is BlockSyntax block) Insert(block.OpenBraceToken.Span.End, check, opener: true, block);
        else Wrap(body, "{" + check, "}");
    }

    private void PassThrough(ExpressionSyntax expression)
    {
        // A bare null/default has no type of its own for __gw_pass<T> to infer; such a clause computes nothing anyway.
        if (expression is LiteralExpressionSyntax { RawKind: (int)SyntaxKind.NullLiteralExpression or (int)SyntaxKind.DefaultLiteralExpression }) return;
        Wrap(expression, Pass, ")");
    }

    private void Wrap(SyntaxNode node, string open, string close)
    {
        Insert(node.SpanStart, open, opener: true, node);
        Insert(node.Span.End, close, opener: false, node);
    }

    /// <summary>
    /// Several inserts can land on one position: closers come first, the closer of the inner node (later start) before the
    /// outer one; then openers, the outer node's (later end) before the inner one's. So nested wraps nest properly.
    /// </summary>
    private void Insert(int position, string text, bool opener, SyntaxNode wrapped) =>
        _edits.Add(new Edit(position, 0, text, opener ? 1 + (int.MaxValue / 2 - wrapped.Span.End) : -1 - wrapped.SpanStart));

    private static string Return(ExpressionSyntax body) => body is ThrowExpressionSyntax ? "" : "return ";

    /// <summary>True when the function's body is a statement, not a value (void, or an async Task).</summary>
    private static bool ReturnsNothing(IMethodSymbol? method) =>
        method is null || method.ReturnsVoid || (method.IsAsync && method.ReturnType is INamedTypeSymbol { IsGenericType: false });

    /// <param name="Start">Position in the original text.</param>
    /// <param name="Length">Original characters replaced (0 for an insert).</param>
    /// <param name="Rank">Order among edits at one position (see <see cref="Insert"/>); replacements 0.</param>
    private readonly record struct Edit(int Start, int Length, string Text, int Rank);
}
