namespace Gateway.Host.Demo;

/// <summary>Stops the in-process demo simulator when the gateway stops.</summary>
internal sealed class DemoUpstreamLifetime(IDemoUpstream demo) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public async Task StopAsync(CancellationToken cancellationToken) => await demo.DisposeAsync();
}
