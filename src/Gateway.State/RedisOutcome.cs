namespace Gateway.State;

/// <summary>A Redis command's result, or the fact that it failed open (<see cref="Ok"/> false: Redis down, slow or erroring).</summary>
internal readonly record struct RedisOutcome<T>(bool Ok, T Value)
{
    public static readonly RedisOutcome<T> Failed = new(false, default!);
}
