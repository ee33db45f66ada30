using System.Text.Json;
using Gateway.Core.Protocol.Anthropic;

namespace Gateway.Economy.Tests.Cache;

internal static class TestRequests
{
    /// <summary>A request with system, tools, a tool round trip and cache_control breakpoints, as the token economy layer sends it.</summary>
    public static MessagesRequest Agent(double? temperature = 0, bool? stream = null, string? userId = null, bool breakpoints = false)
    {
        MessagesRequestCacheControl? Cc() => breakpoints ? MessagesRequestCacheControl.Ephemeral() : null;
        var schema = JsonDocument.Parse("""{"type":"object","properties":{"path":{"type":"string"},"cache_control":{"type":"string"}}}""").RootElement.Clone();
        var input = JsonDocument.Parse("""{"path":"src/a.cs"}""").RootElement.Clone();
        return new MessagesRequest
        {
            Model = "claude-sonnet-4-5",
            MaxTokens = 1024,
            Temperature = temperature,
            Stream = stream,
            Metadata = userId is null ? null : new MessagesRequestMetadata { UserId = userId },
            System = [new MessagesRequestContentBlock { Type = "text", Text = "You are a coding agent.", CacheControl = Cc() }],
            Tools = [new MessagesRequestTool { Name = "read_file", Description = "Read a file", InputSchema = schema, CacheControl = Cc() }],
            Messages =
            [
                new MessagesRequestMessage { Role = "user", Content = [MessagesRequestContentBlock.TextBlock("Read src/a.cs")] },
                new MessagesRequestMessage { Role = "assistant", Content = [MessagesRequestContentBlock.ToolUse("toolu_1", "read_file", input)] },
                new MessagesRequestMessage
                {
                    Role = "user",
                    Content =
                    [
                        new MessagesRequestContentBlock
                        {
                            Type = "tool_result", ToolUseId = "toolu_1", CacheControl = Cc(),
                            Content = [new MessagesRequestContentBlock { Type = "text", Text = "class A {}", CacheControl = Cc() }],
                        },
                        new MessagesRequestContentBlock { Type = "text", Text = "Explain it.", CacheControl = Cc() },
                    ],
                },
            ],
        };
    }
}
