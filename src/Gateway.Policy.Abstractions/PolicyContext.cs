namespace Gateway.Policy.Abstractions;

/// <summary>
/// What a rule gets for one request: the request view, the profile, a token estimator, a log, a clock, and the actions it may take.
/// Every action is recorded as a <see cref="PolicyChange"/> under the running rule's id, and journaled so the pipeline can undo
/// everything a failing or overrunning rule did (fail-open leaves the request exactly as it was before that rule).
/// One per request; not thread-safe.
/// </summary>
public sealed class PolicyContext
{
    private readonly List<PolicyChange> _changes = [];
    private readonly Dictionary<string, string> _tags = new(StringComparer.Ordinal);
    private readonly List<Action> _undo = [];
    private RuleScope? _current;

    internal PolicyContext(RequestView request, ProfileView profile, ITokenEstimator tokens, IPolicyLog log, DateTimeOffset now)
    {
        Request = request;
        Profile = profile;
        Tokens = tokens;
        Log = log;
        Now = now;
    }

    /// <summary>The request being shaped.</summary>
    public RequestView Request { get; }

    /// <summary>The profile in force.</summary>
    public ProfileView Profile { get; }

    /// <summary>Token estimates.</summary>
    public ITokenEstimator Tokens { get; }

    /// <summary>The rule's log.</summary>
    public IPolicyLog Log { get; internal set; }

    /// <summary>The time the request arrived (the gateway's clock; fixed for the whole request).</summary>
    public DateTimeOffset Now { get; }

    /// <summary>The id of the rule now running (set by the pipeline).</summary>
    public string CurrentRuleId => _current?.RuleId ?? "";

    /// <summary>Everything rules did so far, in order.</summary>
    public IReadOnlyList<PolicyChange> Changes => _changes;

    /// <summary>Tags set by rules: written to the request log.</summary>
    public IReadOnlyDictionary<string, string> Tags => _tags;

    /// <summary>
    /// Sends the request to <paramref name="model"/>; <paramref name="reason"/> becomes <c>X-Model-Source: routed:&lt;reason&gt;</c>.
    /// Returns false (and changes nothing) when the profile does not allow that model, or it is the profile's Opus and Opus is not allowed.
    /// </summary>
    public bool RouteTo(string model, string reason) => ScopedRouteTo(_current, model, reason);

    /// <summary>
    /// Replaces the text of a text or tool-result block. The change is recorded with estimated tokens before and after.
    /// Must be deterministic in the block's content: an old turn must get the same bytes in every later request of the session,
    /// or the upstream prompt cache breaks.
    /// </summary>
    public void ReplaceText(BlockView block, string newText, string reason) => ScopedReplaceText(_current, block, newText, reason);

    /// <summary>Adds (or replaces, by <paramref name="id"/>) a system instruction appended after the client's system text.</summary>
    public void AddSystemNote(string id, string text) => ScopedAddSystemNote(_current, id, text);

    /// <summary>Tags the request for the logs (e.g. <c>task=refactor</c>).</summary>
    public void Tag(string key, string value) => ScopedTag(_current, key, value);

    internal bool ScopedRouteTo(RuleScope? scope, string model, string reason)
    {
        Check(scope);
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        if (Request.Model == model) return true;
        if (!Profile.Allows(model) || (model == Profile.OpusModel && !Profile.OpusAllowed))
        {
            Log.Info($"route to {model} refused: not allowed by profile '{Profile.Name}'");
            return false;
        }
        var (from, fromSource) = (Request.Model, Request.ModelSource);
        Request.Model = model;
        Request.ModelSource = "routed:" + reason;
        _undo.Add(() => { Request.Model = from; Request.ModelSource = fromSource; });
        _changes.Add(new PolicyChange(CurrentRuleId, "route", $"{from} -> {model} ({reason})", 0, 0));
        return true;
    }

    internal void ScopedReplaceText(RuleScope? scope, BlockView block, string newText, string reason)
    {
        Check(scope);
        ArgumentNullException.ThrowIfNull(block);
        ArgumentNullException.ThrowIfNull(newText);
        if (block.Kind is not (BlockKind.Text or BlockKind.ToolResult))
            throw new InvalidOperationException($"Only text and tool-result blocks can be replaced, not {block.Kind}.");
        if (newText == block.Text) return;
        var old = block.Text;
        var before = Tokens.Count(old);
        block.Text = newText;
        _undo.Add(() => block.Text = old);
        _changes.Add(new PolicyChange(CurrentRuleId, "replace_text", $"message {block.Message.Index} block {block.Index}: {reason}", before, Tokens.Count(newText)));
    }

    internal void ScopedAddSystemNote(RuleScope? scope, string id, string text)
    {
        Check(scope);
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        var previous = Request._notes.ToList();
        Request._notes.RemoveAll(n => n.Id == id);
        Request._notes.Add(new SystemNote(id, text, CurrentRuleId));
        _undo.Add(() => { Request._notes.Clear(); Request._notes.AddRange(previous); });
        _changes.Add(new PolicyChange(CurrentRuleId, "system_note", id, 0, Tokens.Count(text)));
    }

    internal void ScopedTag(RuleScope? scope, string key, string value)
    {
        Check(scope);
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        var had = _tags.TryGetValue(key, out var old);
        _tags[key] = value ?? "";
        _undo.Add(() => { if (had) _tags[key] = old!; else _tags.Remove(key); });
        _changes.Add(new PolicyChange(CurrentRuleId, "tag", $"{key}={value}", 0, 0));
    }

    /// <summary>Starts a rule: its actions are journaled from here.</summary>
    internal RuleScope BeginRule(string ruleId)
    {
        _current = new RuleScope(ruleId, _undo.Count, _changes.Count);
        return _current;
    }

    /// <summary>Ends a rule that succeeded: its actions stay.</summary>
    internal void EndRule(RuleScope scope)
    {
        scope.Revoked = true;
        if (ReferenceEquals(_current, scope)) _current = null;
    }

    /// <summary>Undoes everything the rule did and revokes its scope, so a rule still running on another thread can change nothing more.</summary>
    internal void Rollback(RuleScope scope)
    {
        lock (scope)
        {
            scope.Revoked = true;
            for (var i = _undo.Count - 1; i >= scope.UndoStart; i--) _undo[i]();
            _undo.RemoveRange(scope.UndoStart, _undo.Count - scope.UndoStart);
            _changes.RemoveRange(scope.ChangesStart, _changes.Count - scope.ChangesStart);
        }
        if (ReferenceEquals(_current, scope)) _current = null;
    }

    private void Check(RuleScope? scope)
    {
        if (scope is not null && (scope.Revoked || !ReferenceEquals(scope, _current)))
            throw new InvalidOperationException($"Rule '{scope.RuleId}' can no longer change the request (it failed or ran over its time budget).");
    }
}

/// <summary>One run of one rule within a request: the journal marks to roll back to, and whether it may still act. Only the pipeline creates scopes.</summary>
public sealed class RuleScope
{
    internal RuleScope(string ruleId, int undoStart, int changesStart)
    {
        RuleId = ruleId;
        UndoStart = undoStart;
        ChangesStart = changesStart;
    }

    /// <summary>The rule this scope belongs to.</summary>
    public string RuleId { get; }
    internal int UndoStart { get; }
    internal int ChangesStart { get; }
    internal volatile bool Revoked;
}
