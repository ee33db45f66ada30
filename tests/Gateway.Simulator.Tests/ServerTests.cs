using System.Text.Json;
using static Gateway.Simulator.Tests.Sim;

namespace Gateway.Simulator.Tests;

/// <summary>Auth, recording, inspection endpoints and concurrency.</summary>
public sealed class ServerTests
{
    [Fact]
    public async Task Auth_MissingOrWrongKey_401()
    {
        await using var server = await SimulatorServer.StartAsync(new SimulatorOptions { ApiKey = "right" });
        using var wrong = Client(server, "wrong");
        var (status, text, _) = await PostAsync(wrong, Body(User("hi")));
        Assert.Equal(401, status);
        Assert.Equal("authentication_error", ErrorType(text));

        using var none = new HttpClient { BaseAddress = server.BaseUrl };
        none.DefaultRequestHeaders.Add("anthropic-version", "2023-06-01");
        Assert.Equal(401, (await PostAsync(none, Body(User("hi")))).Status);

        using var right = Client(server, "right");
        Assert.Equal(200, (await PostAsync(right, Body(User("hi")))).Status);
    }

    [Fact]
    public async Task Recording_KeepsLimitOldestFirst_AndInspectable()
    {
        await using var server = await SimulatorServer.StartAsync(new SimulatorOptions { RecordLimit = 3 });
        using var http = Client(server);
        for (var i = 0; i < 5; i++) await PostAsync(http, Body(User($"n{i}")));
        await PostAsync(http, Body("[]"));

        var recorded = server.Requests;
        Assert.Equal(3, recorded.Count);
        Assert.Contains("n3", recorded[0].Body);
        Assert.Equal(400, recorded[^1].Status);
        Assert.Equal("/v1/messages", recorded[0].Path);
        Assert.Equal("test-key", recorded[0].Headers["x-api-key"]);

        var json = JsonDocument.Parse(await http.GetStringAsync("/_sim/requests")).RootElement;
        Assert.Equal(3, json.GetArrayLength());
        Assert.Equal(200, json[0].GetProperty("status").GetInt32());

        Assert.Equal(204, (int)(await http.DeleteAsync("/_sim/requests")).StatusCode);
        Assert.Empty(server.Requests);
        server.ClearRequests();
        Assert.Contains("ok", await http.GetStringAsync("/_sim/health"));
    }

    [Fact]
    public async Task Concurrency_64Requests_AllAnswered()
    {
        await using var server = await SimulatorServer.StartAsync();
        using var http = Client(server);
        var tasks = Enumerable.Range(0, 64).Select(i => PostAsync(http, Body(User($"parallel {i}"), i % 2 == 0 ? "'stream':true" : "")));
        var results = await Task.WhenAll(tasks);
        Assert.All(results, r => Assert.Equal(200, r.Status));
    }

    [Fact]
    public async Task Start_PortZero_ReportsRealPort()
    {
        await using var server = await SimulatorServer.StartAsync();
        Assert.NotEqual(0, server.BaseUrl.Port);
        Assert.Equal("127.0.0.1", server.BaseUrl.Host);
    }
}
