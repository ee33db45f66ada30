namespace Gateway.Policy.Sessions;

/// <summary>
/// The model a session was last sent to, and the model name the client asked for then: sticky routing keeps a session on it while
/// the client keeps asking for the same name (a changed name is an explicit switch).
/// </summary>
/// <param name="Model">The Claude model the session's last request went to.</param>
/// <param name="RequestedModel">The model name the client sent with that request.</param>
/// <param name="Source">Why that model (the request's model source, e.g. <c>routed:opus-heuristics:long-context</c>).</param>
public sealed record SessionModel(string Model, string RequestedModel, string Source);

/// <summary>
/// Remembers the model of each session (key: profile name and session id) so routing stays sticky: a model switch in the middle of an
/// agent session throws away the prompt cache and invalidates earlier thinking blocks. Thread-safe; outlives policy reloads.
/// The in-memory store serves one instance; a Redis store (later) serves a fleet.
/// </summary>
public interface ISessionModelStore
{
    /// <summary>The remembered model of <paramref name="key"/>, if any and not expired.</summary>
    bool TryGet(string key, out SessionModel model);

    /// <summary>Remembers (or refreshes) the model of <paramref name="key"/>.</summary>
    void Set(string key, SessionModel model);
}
