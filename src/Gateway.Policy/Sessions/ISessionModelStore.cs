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
/// The in-memory store serves one instance; the Redis store serves a fleet, with a local copy in front of Redis.
/// Neither ever blocks the calling thread: a read that must go to Redis is awaited (and bounded), a write never waits.
/// </summary>
public interface ISessionModelStore
{
    /// <summary>
    /// The remembered model of <paramref name="key"/>, or null when none is known (or it expired). Completes synchronously when the
    /// answer is local; otherwise within the shared store's bounded wait (fail-open: null). Throws only when <paramref name="ct"/>
    /// is cancelled.
    /// </summary>
    ValueTask<SessionModel?> GetAsync(string key, CancellationToken ct = default);

    /// <summary>Remembers (or refreshes) the model of <paramref name="key"/>. Fire-and-forget: never waits for a shared store.</summary>
    void Set(string key, SessionModel model);
}
