using System.Runtime.InteropServices;
using Gateway.Policy.Reload;

namespace Gateway.Host.Policies;

/// <summary>
/// Starts the reload triggers that run beside requests: the file watcher (events, debounced, plus polling for
/// ConfigMap symlink swaps and file systems that miss events) and SIGHUP. The admin endpoint is the third trigger.
/// </summary>
internal sealed class PolicyReloadTriggers(PolicyStore store, TimeSpan pollInterval, ILogger<PolicyReloadTriggers> log) : IHostedService, IDisposable
{
    private PolicyWatcher? _watcher;
    private PosixSignalRegistration? _sighup;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _watcher = new PolicyWatcher(store, TimeSpan.FromMilliseconds(250), pollInterval, log);
        if (!OperatingSystem.IsWindows())
            _sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
            {
                context.Cancel = true; // SIGHUP means "reload", not "terminate"
                ThreadPool.QueueUserWorkItem(_ => store.Reload("sighup"));
            });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _watcher?.Dispose();
        _watcher = null;
        _sighup?.Dispose();
        _sighup = null;
    }
}
