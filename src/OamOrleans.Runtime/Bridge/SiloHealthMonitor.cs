using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using OamOrleans.Client;
using OamOrleans.Hosting;

namespace OamOrleans.Bridge;

/// <summary>
/// Runs the mesh health monitor inside the silo when <see cref="MeshHostOptions.HealthMonitorSysUrl"/> is set, on the
/// silo's own mesh connection plus a system-account connection. Safe to run in every silo at once.
/// </summary>
internal sealed class SiloHealthMonitor(SiloMeshConnection mesh, IOptions<MeshHostOptions> options, ILoggerFactory loggers)
    : ILifecycleParticipant<ISiloLifecycle>
{
    private HealthMonitor? _monitor;

    public void Participate(ISiloLifecycle lifecycle)
    {
        if (options.Value.HealthMonitorSysUrl is not null)
        {
            lifecycle.Subscribe(nameof(SiloHealthMonitor), ServiceLifecycleStage.Active, StartAsync, StopAsync);
        }
    }

    private async Task StartAsync(CancellationToken ct) =>
        _monitor = await HealthMonitor.StartAsync(
            new HealthMonitorOptions
            {
                Connection = mesh.Connection,
                SysUrl = options.Value.HealthMonitorSysUrl,
                SysCredsFile = options.Value.HealthMonitorSysCredsFile,
                Tls = mesh.Endpoint.Tls,
            },
            loggers.CreateLogger<HealthMonitor>(),
            ct);

    private async Task StopAsync(CancellationToken ct)
    {
        if (Interlocked.Exchange(ref _monitor, null) is { } monitor)
        {
            await monitor.DisposeAsync();
        }
    }
}
