using System.Net;
using Gateway.Host.Tests.Infrastructure;

namespace Gateway.Host.Tests.Integration;

/// <summary>Non-ASCII text reaches the upstream as UTF-8, not as <c>\uXXXX</c> escapes (which made bodies up to 3x larger).</summary>
public sealed class Utf8UpstreamBodyTests(DefaultGateway fixture) : IClassFixture<DefaultGateway>
{
    private GatewayFixture Gw => fixture.Gateway;

    [Fact]
    public async Task EmojiAndCjkText_AreSentUpstreamAsUtf8()
    {
        var marker = "utf8-body-" + Guid.NewGuid().ToString("N")[..8];
        var text = $"{marker} こんにちは 😀🚀 grüße";
        using var response = await Gw.PostAsync("v1/chat/completions", Http.Chat(text));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var upstream = Assert.Single(Gw.Simulator.Requests, r => r.Body.Contains(marker, StringComparison.Ordinal));
        Assert.Contains("こんにちは 😀🚀 grüße", upstream.Body);
        Assert.DoesNotContain("\\u", upstream.Body);
    }
}
