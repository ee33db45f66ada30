using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Gateway.Host.Endpoints;
using Gateway.Host.Tests.Infrastructure;

namespace Gateway.Host.Tests.Integration;

/// <summary><c>X-Reduction</c> states estimated input tokens before and after the policy pipeline, on every completion.</summary>
public sealed class ReductionHeaderTests(DefaultGateway fixture) : IClassFixture<DefaultGateway>
{
    private GatewayFixture Gw => fixture.Gateway;

    [Theory]
    [InlineData(100, 29, "71%; before=100; after=29")]
    [InlineData(0, 0, "0%; before=0; after=0")]
    [InlineData(50, 50, "0%; before=50; after=50")]
    public void Header_Format(int before, int after, string expected) =>
        Assert.Equal(expected, GatewayHeaders.Reduction(before, after));

    [Fact]
    public async Task Completion_CarriesReduction_BoilerplateStripped()
    {
        // Continue's commit-signature block is shipped boilerplate: stripping it must show as a reduction.
        var body = new JsonObject
        {
            ["model"] = "claude-sonnet-4-5",
            ["messages"] = new JsonArray
            {
                new JsonObject { ["role"] = "system", ["content"] = "You are an agent.\n<context name=\"commitSignature\">When creating commits using any CLI or tool, include the following in the commit message:\nGenerated with [Continue](https://continue.dev)\n\nCo-Authored-By: Continue <noreply@continue.dev>\n</context>\nBe concise." },
                new JsonObject { ["role"] = "user", ["content"] = "reduction-header-marker hello" },
            },
        };
        using var response = await Gw.PostAsync("v1/chat/completions", body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var header = response.Header("X-Reduction");
        Assert.NotNull(header);
        var m = Regex.Match(header!, @"^(\d+)%; before=(\d+); after=(\d+)$");
        Assert.True(m.Success, header);
        Assert.True(int.Parse(m.Groups[3].Value) < int.Parse(m.Groups[2].Value), header);
        var sent = Gw.Simulator.Requests.Last(r => r.Body.Contains("reduction-header-marker"));
        Assert.DoesNotContain("Co-Authored-By", sent.Body);
    }
}
