using System.Text;
using System.Text.Json;
using Gateway.Core.Json;
using Gateway.Core.Protocol.Anthropic;

namespace Gateway.Core.Tests.Json;

public sealed class MinimalJsonEscapingTests
{
    private static byte[] Upstream(string text) => JsonSerializer.SerializeToUtf8Bytes(new MessagesRequest
    {
        Model = "claude-sonnet-4-5",
        MaxTokens = 16,
        Messages = [new MessagesRequestMessage { Role = "user", Content = [MessagesRequestContentBlock.TextBlock(text)] }],
    }, AnthropicRequestJsonContext.Wire.MessagesRequest);

    [Theory]
    [InlineData("héllo wörld")]
    [InlineData("日本語のテキスト")]
    [InlineData("emoji 😀🚀 and a flag 🇩🇪")]
    [InlineData("<script>&'</script>")]
    public void NonAsciiAndHtmlCharactersStayAsUtf8(string text)
    {
        var body = Upstream(text);
        var json = Encoding.UTF8.GetString(body);
        Assert.Contains(text, json); // written as UTF-8, not \uXXXX
        Assert.DoesNotContain("\\u", json);
        using var doc = JsonDocument.Parse(body);
        Assert.Equal(text, doc.RootElement.GetProperty("messages")[0].GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public void AnEmojiMessageGrowsByNoMoreThanTheEnvelope()
    {
        // 100,000 emoji are 400,000 UTF-8 bytes; escaped they would be 1,200,000.
        var text = string.Concat(Enumerable.Repeat("😀", 100_000));
        var body = Upstream(text);
        Assert.InRange(body.Length, Encoding.UTF8.GetByteCount(text), Encoding.UTF8.GetByteCount(text) + 200);
    }

    [Theory]
    [InlineData("quote \" backslash \\ newline \n tab \t cr \r", "quote \\\" backslash \\\\ newline \\n tab \\t cr \\r")]
    [InlineData("bell \u0007 nul \u0000", "bell \\u0007 nul \\u0000")]
    public void WhatJsonRequiresIsEscaped(string text, string escaped)
    {
        var json = Encoding.UTF8.GetString(Upstream(text));
        Assert.Contains(escaped, json);
        using var doc = JsonDocument.Parse(json);
        Assert.Equal(text, doc.RootElement.GetProperty("messages")[0].GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public void ALoneSurrogateIsEscapedNotWrittenAsInvalidUtf8()
    {
        // System.Text.Json replaces an invalid UTF-16 sequence with U+FFFD: the body stays valid UTF-8 and valid JSON.
        var body = Upstream("broken \uD83D pair");
        Assert.True(IsValidUtf8(body));
        using var doc = JsonDocument.Parse(body);
        Assert.Equal("broken \uFFFD pair", doc.RootElement.GetProperty("messages")[0].GetProperty("content")[0].GetProperty("text").GetString());
    }

    private static bool IsValidUtf8(byte[] bytes)
    {
        try { _ = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes); return true; }
        catch (DecoderFallbackException) { return false; }
    }

    [Fact]
    public void WillEncodeOnlyWhatJsonNeeds()
    {
        var e = MinimalJsonEscaping.Instance;
        Assert.True(e.WillEncode('"'));
        Assert.True(e.WillEncode('\\'));
        Assert.True(e.WillEncode(0x1F));
        Assert.False(e.WillEncode('a'));
        Assert.False(e.WillEncode('<'));
        Assert.False(e.WillEncode(0x1F600));
        Assert.False(e.WillEncode(0xE9));
    }
}
