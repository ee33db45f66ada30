namespace Gateway.Core.Protocol.Anthropic;

/// <summary>Where a Messages request carries <c>cache_control</c> marks (on a block, or inside a tool_result's content).</summary>
public static class CacheControlMarks
{
    public static bool HasCacheMark(this MessagesRequestContentBlock block)
    {
        if (block.CacheControl is not null) return true;
        foreach (var inner in block.Content ?? [])
            if (inner.HasCacheMark()) return true;
        return false;
    }

    /// <summary>Any mark anywhere: tools, system blocks, message blocks.</summary>
    public static bool HasCacheMarks(this MessagesRequest request)
    {
        foreach (var tool in request.Tools ?? [])
            if (tool.CacheControl is not null) return true;
        foreach (var block in request.System ?? [])
            if (block.HasCacheMark()) return true;
        foreach (var message in request.Messages)
            foreach (var block in message.Content)
                if (block.HasCacheMark()) return true;
        return false;
    }
}
