using Gateway.Policy.Abstractions;
using Gateway.Policy.Sessions;

namespace Gateway.Policy.BuiltIn;

/// <summary>What built-in steps need besides their profile's configuration. One instance for the process (it outlives reloads).</summary>
public sealed record BuiltInStepOptions
{
    /// <summary>The defaults: the process-wide in-memory session store, 100 ms regex match timeout, 250 ms budget per step.</summary>
    public static BuiltInStepOptions Default { get; } = new();

    /// <summary>Where routing remembers each session's model (must outlive snapshots, or a reload would break stickiness).</summary>
    public ISessionModelStore SessionStore { get; init; } = InMemorySessionModelStore.Shared;

    /// <summary>Match timeout of every regex of built-in steps; a timeout fails the step (rolled back, counted).</summary>
    public TimeSpan RegexTimeout { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Time budget of each built-in step per request. Larger than a script's default 50 ms: built-ins tokenize whole histories,
    /// and an overrun rolls the step back, which for a trusted step should mean "something is wrong", not "the machine was busy".
    /// </summary>
    public TimeSpan Budget { get; init; } = TimeSpan.FromMilliseconds(250);
}
