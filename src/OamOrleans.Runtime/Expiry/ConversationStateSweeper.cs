using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NATS.Net;
using OamOrleans.Bridge;
using OamOrleans.Hosting;
using OamOrleans.Nats;
using NATS.Client.JetStream;
using NATS.Client.KeyValueStore;
using OamOrleans.Storage;
using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.Storage;

namespace OamOrleans.Expiry;

/// <summary>
/// Deletes the state of expired conversations (<see cref="AgentAttribute.StateTtl"/>) every
/// <see cref="ConversationExpiryOptions.SweepInterval"/>, for the agents this silo hosts that declare a TTL.
/// State in silo memory (<c>AddSiloMemoryGrainStorage</c>) is swept by each silo for itself. State in NATS KV is swept by
/// one silo: the active silo with the lowest address in this silo's membership view. While views disagree (a silo
/// joining or leaving) two may sweep at once, which is harmless: every delete names the revision it found expired.
/// </summary>
internal sealed partial class ConversationStateSweeper(
    AgentCatalog catalog,
    SiloMeshConnection mesh,
    IServiceProvider services,
    IOptions<MeshHostOptions> host,
    IOptions<ConversationExpiryOptions> options,
    IOptions<ClusterOptions> cluster,
    IClusterMembershipService membership,
    ILocalSiloDetails silo,
    ILogger<ConversationStateSweeper> logger) : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(ConversationStateSweeper), ServiceLifecycleStage.Active, StartAsync, StopAsync);

    public void Dispose() => _stop.Dispose();

    private Task StartAsync(CancellationToken cancellationToken)
    {
        if (catalog.All.Any(a => a.StateTtl is not null))
        {
            _loop = Task.Run(() => RunAsync(_stop.Token), CancellationToken.None);
        }

        return Task.CompletedTask;
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_loop is { } loop)
        {
            await _stop.CancelAsync();
            await loop;
        }
    }

    private async Task RunAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(options.Value.SweepInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                try
                {
                    await SweepAsync(ct);
                }
                catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    LogSweepFailed(logger, e); // the next interval tries again
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // stopped
        }
    }

    private async Task SweepAsync(CancellationToken ct)
    {
        var storage = services.GetKeyedService<IGrainStorage>(host.Value.StateStorageName);
        if (storage is SiloMemoryGrainStorage memory)
        {
            foreach (var agent in catalog.All)
            {
                if (agent.StateTtl is { } ttl && memory.RemoveExpired(agent.GrainType, ttl, DateTimeOffset.UtcNow) is var removed and > 0)
                {
                    LogSweptMemory(logger, agent.Name, removed);
                }
            }

            return;
        }

        if (!IsSweepingSilo() || mesh.TryGetConnection() is not { } connection)
        {
            return;
        }

        var bucket = options.Value.StateBucket;
        INatsKVStore store;
        try
        {
            store = await connection.CreateKeyValueStoreContext().GetStoreAsync(bucket, ct);
        }
        catch (NatsJSApiException e) when (e.Error.Code == 404)
        {
            return; // nothing stored in NATS (yet)
        }

        foreach (var agent in catalog.All)
        {
            if (agent.StateTtl is not { } ttl)
            {
                continue;
            }

            var result = await KvStateSweep.SweepAsync(store, ConversationKeys.Filter(cluster.Value.ServiceId, agent.Name), ttl, options.Value.SweepPageSize, ct);
            LogSweptKv(logger, result.Deleted + result.Kept > 0 ? LogLevel.Information : LogLevel.Debug, agent.Name, bucket, result.Read, result.Deleted, result.Kept);
        }
    }

    /// <summary>The active silo with the lowest address sweeps NATS KV for the cluster.</summary>
    private bool IsSweepingSilo()
    {
        SiloAddress? lowest = null;
        foreach (var member in membership.CurrentSnapshot.Members.Values)
        {
            if (member.Status == SiloStatus.Active && (lowest is null || member.SiloAddress.CompareTo(lowest) < 0))
            {
                lowest = member.SiloAddress;
            }
        }

        return lowest is null || lowest.Equals(silo.SiloAddress);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted the state of {Deleted} expired conversation(s) of agent '{Agent}' from silo memory")]
    private static partial void LogSweptMemory(ILogger logger, string agent, int deleted);

    [LoggerMessage(Message = "Read {Read} conversation(s) of agent '{Agent}' in KV bucket {Bucket}: deleted the state of {Deleted} expired, kept {Kept} written meanwhile")]
    private static partial void LogSweptKv(ILogger logger, LogLevel level, string agent, string bucket, int read, int deleted, int kept);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweeping expired conversation state failed; the next sweep tries again")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
