using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace OamOrleans.Storage;

/// <summary>
/// Watches cluster membership while the silo is active and logs one warning when more than one silo is active:
/// a silo-local store would then give a grain re-activated on another silo empty state.
/// </summary>
internal sealed partial class MultiSiloWarning(string storageName, IClusterMembershipService membership, ILogger logger) : IDisposable
{
    private CancellationTokenSource? _stopping;
    private Task _watch = Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _stopping = new CancellationTokenSource();
        // Membership updates arrive for the silo's whole life: watch them off the start-up path.
        _watch = Task.Run(() => WatchAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_stopping is null)
        {
            return;
        }

        await _stopping.CancelAsync();
        await _watch.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        Dispose();
    }

    public void Dispose()
    {
        _stopping?.Dispose();
        _stopping = null;
    }

    private async Task WatchAsync(CancellationToken stopping)
    {
        try
        {
            if (ActiveSilos(membership.CurrentSnapshot) is var active and > 1)
            {
                LogSharedByMoreSilos(logger, storageName, active);
                return;
            }

            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(stopping))
            {
                if (ActiveSilos(snapshot) is var count and > 1)
                {
                    LogSharedByMoreSilos(logger, storageName, count);
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The silo is stopping: the normal end of the watch, nothing to report.
        }
        catch (Exception ex)
        {
            LogWatchFailed(logger, storageName, ex);
        }
    }

    private static int ActiveSilos(ClusterMembershipSnapshot snapshot) =>
        snapshot.Members.Values.Count(m => m.Status == SiloStatus.Active);

    [LoggerMessage(10, LogLevel.Warning,
        "Grain storage {Name} keeps state in this silo's memory, but {ActiveSilos} silos are active: a grain (a conversation) "
        + "re-activated on another silo starts there with empty state. For a cluster use NATS KV storage "
        + "(OAM_STORAGE=nats, AddNatsGrainStorage) or Orleans' memory storage (AddMemoryGrainStorage).")]
    private static partial void LogSharedByMoreSilos(ILogger logger, string name, int activeSilos);

    [LoggerMessage(11, LogLevel.Warning, "Grain storage {Name} stopped watching cluster membership for other silos")]
    private static partial void LogWatchFailed(ILogger logger, string name, Exception exception);
}
