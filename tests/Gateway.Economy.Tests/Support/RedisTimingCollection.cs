namespace Gateway.Economy.Tests.Support;

/// <summary>
/// The fail-open tests count failures and warnings against command timeouts, and kill or pause their own Redis; they block
/// thread-pool threads on purpose (the stores' synchronous reads). Run with anything else, on a loaded 2-core machine one's blocked
/// threads delay another's continuations past its timeout, and an operation that should have worked reads as failed. Run alone.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RedisTimingCollection
{
    public const string Name = "serial: Redis timeouts";
}
