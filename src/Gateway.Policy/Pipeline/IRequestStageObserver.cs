using Gateway.Policy.Abstractions;

namespace Gateway.Policy.Pipeline;

/// <summary>
/// A step that wants to see the request after the whole request stage ran (e.g. routing remembers the session's final model,
/// whichever rule chose it). Called by <see cref="PolicyPipeline.RunRequestAsync"/> only when the stage did not fail closed and the
/// step itself ran without failing; an exception here is logged and ignored.
/// </summary>
public interface IRequestStageObserver
{
    void OnRequestStageCompleted(PolicyContext context);
}
