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
}
