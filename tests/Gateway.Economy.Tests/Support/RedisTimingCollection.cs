namespace Gateway.Economy.Tests.Support;

/// <summary>
/// The fail-open tests count failures and warnings against command timeouts, and kill or pause their own Redis; the no-blocking
/// test (Gateway.Host.Tests) measures the thread pool while its Redis is paused. Run with anything else, on a loaded 2-core machine
/// another test's work delays their continuations past a timeout (an operation that should have worked reads as failed) and skews
/// the pool measurements. Run alone (the class is linked into each test project that has such tests).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RedisTimingCollection
{
    public const string Name = "serial: Redis timeouts";
}
