using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Core.Protocol.Anthropic;

namespace Gateway.Core.Tests.Protocol;

public sealed class SerializedMessagesRequestTests
{
    private static MessagesRequest Sample()
    {
        using var schema = JsonDocument.Parse("""{"type":"object","properties":{"path":{"type":"string"}}}""");
        using var input = JsonDocument.Parse("""{"path":"a.cs"}""");
        return new MessagesRequest
        {
            Model = "claude-sonnet-4-5",
            MaxTokens = 1024,
            Stream = true,
            Metadata = new MessagesRequestMetadata { UserId = "u-1" },
            Temperature = 0.5,
            System = [MessagesRequestContentBlock.TextBlock("You are helpful. <rules>ü😀</rules>")],
            Tools = [new MessagesRequestTool { Name = "read", Description = "Reads", InputSchema = schema.RootElement.Clone() }],
            Messages =
            [
                new MessagesRequestMessage { Role = "user", Content = [MessagesRequestContentBlock.TextBlock("read a.cs"), MessagesRequestContentBlock.TextBlock("please")] },
                new MessagesRequestMessage { Role = "assistant", Content = [MessagesRequestContentBlock.ToolUse("toolu_1", "read", input.RootElement.Clone())] },
                new MessagesRequestMessage
                {
                    Role = "user",
                    Content = [MessagesRequestContentBlock.ToolResult("toolu_1", [MessagesRequestContentBlock.TextBlock("class A {}")]), MessagesRequestContentBlock.TextBlock("now fix it")],
                },
            ],
            ToolChoice = new MessagesRequestToolChoice { Type = "auto" },
        };
    }

    private static JsonNode Wire(MessagesRequest r) => JsonNode.Parse(JsonSerializer.SerializeToUtf8Bytes(r, AnthropicRequestJsonContext.Wire.MessagesRequest))!;

    [Fact]
    public void TheBodyIsTheRequest_AndTheContentLeavesOutStreamMetadataAndCacheMarks()
    {
        var request = Sample();
        request.Messages[0].Content[0].CacheControl = MessagesRequestCacheControl.Ephemeral(); // a client mark
        using var serialized = SerializedMessagesRequest.Create(request);

        Assert.True(JsonNode.DeepEquals(Wire(request), JsonNode.Parse(serialized.ToBodyArray())));

        var content = JsonNode.Parse(serialized.Content.ToArray())!.AsObject();
        Assert.False(content.ContainsKey("stream"));
        Assert.False(content.ContainsKey("metadata"));
        Assert.DoesNotContain("cache_control", Encoding.UTF8.GetString(serialized.Content));
        Assert.Contains("ü😀", Encoding.UTF8.GetString(serialized.Content)); // UTF-8, not escapes
    }

    [Fact]
    public void MarksPlacedAfterSerializingReachTheBody_NestedOnesToo()
    {
        var request = Sample();
        using var serialized = SerializedMessagesRequest.Create(request);
        var before = serialized.Content.ToArray();
        request.Tools![0].CacheControl = MessagesRequestCacheControl.Ephemeral("1h");
        request.System![0].CacheControl = MessagesRequestCacheControl.Ephemeral();
        request.Messages[2].Content[0].Content![0].CacheControl = MessagesRequestCacheControl.Ephemeral();
        request.Messages[2].Content[1].CacheControl = MessagesRequestCacheControl.Ephemeral();

        Assert.True(JsonNode.DeepEquals(Wire(request), JsonNode.Parse(serialized.ToBodyArray())));
        Assert.Equal(before, serialized.Content.ToArray()); // the content bytes do not move
    }

    [Fact]
    public void EveryToolAndTopLevelBlockHasItsOwnBytes()
    {
        var request = Sample();
        using var serialized = SerializedMessagesRequest.Create(request);
        Assert.Equal(JsonSerializer.Serialize(request.Tools![0], AnthropicRequestJsonContext.Wire.MessagesRequestTool),
            Encoding.UTF8.GetString(serialized.BytesOf(request.Tools[0])));
        foreach (var block in request.System!.Concat(request.Messages.SelectMany(m => m.Content)))
            Assert.Equal(JsonSerializer.Serialize(block, AnthropicRequestJsonContext.Wire.MessagesRequestContentBlock), Encoding.UTF8.GetString(serialized.BytesOf(block)));
    }

    [Fact]
    public void WithoutStreamOrMetadataTheBodyIsStillTheRequest()
    {
        var request = Sample();
        request.Stream = null;
        request.Metadata = null;
        request.Tools = null;
        request.ToolChoice = null;
        request.Messages = [new MessagesRequestMessage { Role = "user", Content = [MessagesRequestContentBlock.TextBlock("hi")] }];
        using var serialized = SerializedMessagesRequest.Create(request);
        Assert.Equal(JsonSerializer.SerializeToUtf8Bytes(request, AnthropicRequestJsonContext.Wire.MessagesRequest), serialized.ToBodyArray());
    }
}
