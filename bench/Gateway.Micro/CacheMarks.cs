using Gateway.Core.Protocol.Anthropic;

namespace Gateway.Micro;

/// <summary>Takes every cache_control off a request (undoes the planner between invocations).</summary>
public static class CacheMarks
{
    public static int Strip(MessagesRequest request)
    {
        var n = 0;
        foreach (var t in request.Tools ?? [])
            if (t.CacheControl is not null) { t.CacheControl = null; n++; }
        n += Strip(request.System);
        foreach (var m in request.Messages) n += Strip(m.Content);
        return n;
    }

    private static int Strip(IEnumerable<MessagesRequestContentBlock>? blocks)
    {
        var n = 0;
        foreach (var b in blocks ?? [])
        {
            if (b.CacheControl is not null) { b.CacheControl = null; n++; }
            n += Strip(b.Content);
        }
        return n;
    }
}
