using System.Text;
using Gateway.Core.Errors;
using Gateway.Core.Protocol.OpenAi;

namespace Gateway.Core.Tests.Translation;

public sealed class ChatCompletionRequestParserTests
{
    [Theory]
    [InlineData("", null, "invalid_json")]
    [InlineData("{not json", null, "invalid_json")]
    [InlineData("[]", null, "invalid_json")]
    [InlineData("null", null, "invalid_json")]
    [InlineData("{\"model\":\"x\"}", "messages", "missing_required_parameter")]
    [InlineData("{\"messages\":[]}", "messages", "empty_array")]
    [InlineData("{\"messages\":\"hi\"}", "messages", "invalid_type")]
    [InlineData("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"temperature\":\"hot\"}", "temperature", "invalid_type")]
    [InlineData("{\"messages\":[{\"content\":\"hi\"}]}", "messages[0].role", "missing_required_parameter")]
    [InlineData("{\"messages\":[{\"role\":\"robot\",\"content\":\"hi\"}]}", "messages[0].role", "invalid_value")]
    [InlineData("{\"messages\":[{\"role\":\"user\",\"content\":5}]}", "messages[0].content", "invalid_type")]
    [InlineData("{\"messages\":[{\"role\":\"tool\",\"content\":\"x\"}]}", "messages[0].tool_call_id", "missing_required_parameter")]
    public void Parse_Invalid_Is400NamingParam(string json, string? param, string code)
    {
        var e = Assert.Throws<GatewayException>(() => ChatCompletionRequestParser.Parse(Encoding.UTF8.GetBytes(json)));
        Assert.Equal(400, e.Status);
        Assert.Equal("invalid_request_error", e.Type);
        Assert.Equal(param, e.Param);
        Assert.Equal(code, e.Code);
    }

    [Fact]
    public void Parse_UnknownFieldsAndPolymorphicValues_Tolerated()
    {
        var r = ChatCompletionRequestParser.Parse("""{"model":"gpt-4o","foo":1,"messages":[{"role":"user","content":[{"type":"text","text":"hi"}],"extra":true}],"stop":["a"],"tool_choice":"auto"}"""u8);
        Assert.Equal("gpt-4o", r.Model);
        Assert.Single(r.Messages!);
        Assert.Equal(System.Text.Json.JsonValueKind.Array, r.Stop!.Value.ValueKind);
    }
}
