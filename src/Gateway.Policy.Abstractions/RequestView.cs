namespace Gateway.Policy.Abstractions;

/// <summary>
/// The request as policy rules see it, before it is translated for Anthropic: system parts, messages and their blocks,
/// tools, model and parameters. Rules change it only through <see cref="PolicyContext"/> actions.
/// </summary>
public sealed class RequestView
{
    internal RequestView(string requestedModel, string model, IReadOnlyList<MessageView> messages, IReadOnlyList<ToolView> tools,
        RequestParameters parameters, string? sessionId, IReadOnlyDictionary<string, string> headers)
    {
        RequestedModel = requestedModel;
        Model = model;
        Messages = messages;
        Tools = tools;
        Parameters = parameters;
        SessionId = sessionId;
        Headers = headers;
        var latestUser = messages.LastOrDefault(m => m.Role == MessageRole.User);
        if (latestUser is not null) latestUser.IsLatestUserMessage = true;
        var turns = 0;
        for (var i = messages.Count - 1; i >= 0; i--)
        {
            messages[i].TurnsFromEnd = turns;
            if (messages[i].Role == MessageRole.User) turns++;
        }
    }

    /// <summary>The model name the client sent (before aliases).</summary>
    public string RequestedModel { get; }

    /// <summary>The Claude model the request will go to; routing rules change it with <see cref="PolicyContext.RouteTo"/>.</summary>
    public string Model { get; internal set; }

    /// <summary>Why <see cref="Model"/> was chosen: requested, alias, default, or <c>routed:&lt;rule&gt;</c>.</summary>
    public string ModelSource { get; internal set; } = "requested";

    /// <summary>Every message, system messages included, in order.</summary>
    public IReadOnlyList<MessageView> Messages { get; }

    /// <summary>The system and developer messages' blocks, in order.</summary>
    public IEnumerable<BlockView> SystemBlocks => Messages.Where(m => m.Role == MessageRole.System).SelectMany(m => m.Blocks);

    /// <summary>The newest user message, or null.</summary>
    public MessageView? LatestUserMessage => Messages.LastOrDefault(m => m.IsLatestUserMessage);

    /// <summary>The tools offered.</summary>
    public IReadOnlyList<ToolView> Tools { get; }

    /// <summary>Sampling and output parameters.</summary>
    public RequestParameters Parameters { get; }

    /// <summary>A stable id of the agent session: from <c>X-Session-Id</c>, or derived from the conversation's first messages.</summary>
    public string? SessionId { get; }

    /// <summary>A small allowlist of non-secret request headers (e.g. <c>user-agent</c>, <c>x-session-id</c>), lower-case names. Never credentials.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; }

    /// <summary>System notes added by rules, appended after the client's system text in the order added.</summary>
    public IReadOnlyList<SystemNote> SystemNotes => _notes;

    internal readonly List<SystemNote> _notes = [];

    /// <summary>Every block of every message, in order.</summary>
    public IEnumerable<BlockView> AllBlocks => Messages.SelectMany(m => m.Blocks);
}

/// <summary>A system instruction added by a rule.</summary>
/// <param name="Id">A stable id (one note per id: adding it again replaces it).</param>
/// <param name="Text">The instruction.</param>
/// <param name="RuleId">The rule that added it.</param>
public sealed record SystemNote(string Id, string Text, string RuleId);
