using System.ComponentModel;

namespace Gateway.Policy.Abstractions;

/// <summary>
/// The globals of a C# rule script (<c>.csx</c>): everything a script can name without qualification.
/// A request-stage script reads <see cref="Request"/> and <see cref="Profile"/> and acts with <see cref="Route"/>,
/// <see cref="ReplaceText"/>, <see cref="AddSystemNote"/>, <see cref="Tag"/>; a response-stage script also reads <see cref="Response"/>.
/// <example><code>
/// // policies/rules/long-sessions-to-opus.csx
/// if (Request.Messages.Count > Profile.Int("opus_after_messages", 60))
///     Route(Profile.OpusModel, "long-session");
/// </code></example>
/// </summary>
public sealed class RuleGlobals
{
    /// <summary>Creates the globals for one rule run.</summary>
    internal RuleGlobals(PolicyContext context, RuleScope scope, ResponseView? response = null)
    {
        Context = context;
        Scope = scope;
        Response = response;
    }

    // Scripts reach the context only through the members below, each bound to this run's scope: once the pipeline
    // revokes the scope (failure, time budget), a script still running elsewhere can no longer change the request.
    internal PolicyContext Context { get; }
    internal RuleScope Scope { get; }

    /// <summary>Changes made so far by earlier rules and this one.</summary>
    public IReadOnlyList<PolicyChange> Changes => Context.Changes;

    /// <summary>The request.</summary>
    public RequestView Request => Context.Request;

    /// <summary>The profile.</summary>
    public ProfileView Profile => Context.Profile;

    /// <summary>The answer, for response-stage rules (null in the request stage).</summary>
    public ResponseView? Response { get; }

    /// <summary>The rule's log.</summary>
    public IPolicyLog Log => Context.Log;

    /// <summary>The request's arrival time.</summary>
    public DateTimeOffset Now => Context.Now;

    /// <summary>Estimated tokens of a text.</summary>
    public int Tokens(string text) => Context.Tokens.Count(text);

    /// <summary>See <see cref="PolicyContext.RouteTo"/>.</summary>
    public bool Route(string model, string reason) => Context.ScopedRouteTo(Scope, model, reason);

    /// <summary>See <see cref="PolicyContext.ReplaceText"/>.</summary>
    public void ReplaceText(BlockView block, string newText, string reason) => Context.ScopedReplaceText(Scope, block, newText, reason);

    /// <summary>See <see cref="PolicyContext.AddSystemNote"/>.</summary>
    public void AddSystemNote(string id, string text) => Context.ScopedAddSystemNote(Scope, id, text);

    /// <summary>See <see cref="PolicyContext.Tag"/>.</summary>
    public void Tag(string key, string value) => Context.ScopedTag(Scope, key, value);

    // Budget checks. Not part of the rule API: the script compiler inserts calls to these at the top of every loop body,
    // at the start of every method, local function and lambda body, and around every query-clause expression of a rule,
    // so a script that loops or recurses forever notices that its time budget is spent and stops (issue 4: a broken edit
    // never takes the gateway down). Rule code that names anything starting with "__gw_" is rejected at compile time.
    // Static, because classes a script declares have no globals instance; the probes are set once by Gateway.Policy
    // and read per-run state from the worker thread (outside a rule run they return at once).
    internal static Action? LoopProbe;
    internal static Action? EnterProbe;

    /// <summary>Not for rule authors (inserted by the compiler at the top of loop bodies): throws once the run's budget is spent.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static void __gw_loop() => LoopProbe?.Invoke();

    /// <summary>Not for rule authors (inserted at the start of function bodies): as <see cref="__gw_loop"/>, and stops runaway recursion before the stack overflows.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static void __gw_enter() => EnterProbe?.Invoke();

    /// <summary>Not for rule authors (wraps query-clause expressions, which become lambdas): checks the budget, returns <paramref name="value"/>.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static T __gw_pass<T>(T value)
    {
        LoopProbe?.Invoke();
        return value;
    }
}
