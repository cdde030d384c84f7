using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using NATS.Net;
using Orleans.Runtime;
using OamOrleans.Client;
using OamOrleans.Hosting;
using OamOrleans.Pipeline;
using OamOrleans.Protocol;

namespace OamOrleans.Bridge;

/// <summary>
/// The silo's lifecycle on the mesh. Once the silo is Active it opens each agent's <see cref="AgentEndpoint"/> (gated
/// ones follow their gate), starts publishers and sources, and registers the agents eagerly; on stop it closes the
/// endpoints (leave the queue groups, drain), ends the publishers, then deregisters with the survivor rule, all before
/// grains deactivate. Requests themselves are the endpoints' and the <see cref="RequestPipeline"/>'s business.
/// </summary>
internal sealed partial class MeshBridge(
    SiloMeshConnection mesh,
    AgentCatalog agents,
    AgentInvoker invoker,
    AgentEndpoints endpoints,
    ObservabilityGate logs,
    AgentSources sources,
    AgentGates gates,
    AgentShutdown shutdown,
    AgentHeartbeat heartbeat,
    IOptions<MeshHostOptions> options,
    ILogger<MeshBridge> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly MeshHostOptions _options = options.Value;
    private MeshRegistry? _registry;
    private readonly TaskCompletionSource _registered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile MeshRegistration _registration = MeshRegistration.Starting;

    /// <summary>Where the silo's registration stands (readiness: <see cref="MeshHost"/>).</summary>
    public MeshRegistration Registration => _registration;

    /// <summary>The registry once the silo is registered and until it stops; null otherwise (dynamic agents need it).</summary>
    /// <summary>Completes once the silo's agents are registered (start-up done).</summary>
    public Task Registered => _registered.Task;

    public MeshRegistry? Registry => _registration is MeshRegistration.Registered or MeshRegistration.Reregistering ? _registry : null;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(MeshBridge), ServiceLifecycleStage.Active, StartAsync, StopAsync);

    private async Task StartAsync(CancellationToken ct)
    {
        var connection = mesh.Connection;
        // Get-or-create every bucket, as every reference SDK instance does on connect (§4.4).
        var kv = connection.CreateKeyValueStoreContext();
        var replicas = _options.Replicas;
        foreach (var bucket in MeshBuckets.KeyValue)
        {
            await RetryAsync(bucket, "(get-or-create)", async c => await CreatingBucketAsync(MeshStores.GetOrCreateKeyValueAsync(kv, bucket, replicas, c)), ct);
        }

        var obj = connection.CreateJetStreamContext().CreateObjectStoreContext();
        await RetryAsync(MeshBuckets.Artifacts, "(get-or-create)", async c => await CreatingBucketAsync(MeshStores.GetOrCreateObjectStoreAsync(obj, MeshBuckets.Artifacts, replicas, c)), ct);
        await RetryAsync(MeshBuckets.Catalog, "(replicas)", async c => ReportReplicas(await CreatingBucketAsync(MeshStores.CheckReplicasAsync(connection, replicas, _options.ReconcileBuckets, c))), ct);
        await logs.StartAsync(mesh, ct);
        _registry = await MeshStartRetry.RunAsync(logger, _options.StartRetryMaxDelay, MeshBuckets.Catalog, "(open registry stores)", c => MeshRegistry.OpenAsync(connection, c), ct);
        foreach (var agent in agents.All)
        {
            // Bring the agent online first (§4.3), then announce it.
            if (agent.Gate is not null)
            {
                // A gated agent comes online when its gate opens (AgentGates, started below).
            }
            else if (agent.Invocable)
            {
                await endpoints.For(agent).OpenAsync(ct);
            }
            else if (agent.Kind == AgentKind.Publisher)
            {
                await invoker.Publisher(agent, mesh.InstanceId).StartAsync();
            }

            var registry = _registry;
            await RetryAsync(MeshBuckets.Registry, agent.Name, c => registry.PutContractAsync(agent.Contract, c), ct);
            await RetryAsync(MeshBuckets.Catalog, CatalogDocument.Key, c => registry.AddToCatalogAsync(agent.Contract, c), ct);
            await logs.PublishAsync(agent.Name, LogEvent.Info, "agent_registered", "", $"Agent '{agent.Name}' registered");
            await (agent.Gate is null ? sources.StartAsync(agent, ct) : gates.StartAsync(agent, ct));
        }

        if (mesh.Agents.Count > 0)
        {
            await RetryAsync(MeshBuckets.Instances, mesh.InstanceId, c => _registry.PutInstanceAsync(mesh.InstanceId, mesh.Agents, c), ct);
        }

        // Only now, registered, does the silo report itself serving.
        connection.ConnectionOpened += ReregisterAsync;
        connection.ConnectionDisconnected += RegistrationInDoubtAsync;
        _registration = MeshRegistration.Registered;
        _registered.TrySetResult();
        heartbeat.Start();
        if (logger.IsEnabled(LogLevel.Information))
        {
            var agents = string.Join(", ", mesh.Agents);
            var url = MeshEndpoint.Redact(mesh.Endpoint.Url);
            LogStarted(logger, mesh.Agents.Count, agents, url, mesh.InstanceId);
        }
    }

    /// <summary>
    /// A bucket operation, with the one JetStream error no retry can cure made a configuration error that stops the start:
    /// more than one replica asked of a server that is not part of a JetStream cluster.
    /// </summary>
    private async ValueTask<T> CreatingBucketAsync<T>(ValueTask<T> operation)
    {
        try
        {
            return await operation;
        }
        catch (NATS.Client.JetStream.NatsJSApiException e) when (e.Error.ErrCode == ReplicasNeedACluster)
        {
            throw new OrleansConfigurationException(
                $"{nameof(MeshHostOptions)}.{nameof(MeshHostOptions.Replicas)} (OAM_REPLICAS) is {_options.Replicas}, but the NATS server at "
                + $"{MeshEndpoint.Redact(mesh.Endpoint.Url)} is not part of a JetStream cluster ({e.Error.Description}). Set it to 1, or connect to a cluster of at least {_options.Replicas} servers.",
                e);
        }
    }

    /// <summary>JetStream's <c>JSStreamReplicasNotSupportedErr</c>: "replicas &gt; 1 not supported in non-clustered mode".</summary>
    private const int ReplicasNeedACluster = 10074;

    private void ReportReplicas(IReadOnlyList<Nats.ReplicaShortfall> shortfalls)
    {
        foreach (var (bucket, has, wants, updated) in shortfalls)
        {
            if (updated)
            {
                LogReplicasRaised(logger, bucket, has, wants);
            }
            else
            {
                LogTooFewReplicas(logger, bucket, has, wants);
            }
        }
    }

    private Task RetryAsync(string bucket, string key, Func<CancellationToken, ValueTask> operation, CancellationToken ct) =>
        MeshStartRetry.RunAsync(logger, _options.StartRetryMaxDelay, bucket, key, operation, ct);

    /// <summary>
    /// NATS.Net reconnects by itself, but while we were away a health monitor saw our connection drop and deregistered
    /// us (§4.6): put the records back so callers find the agents again.
    /// </summary>
    private async ValueTask ReregisterAsync(object? sender, NatsEventArgs args)
    {
        try
        {
            foreach (var agent in agents.All)
            {
                await _registry!.RegisterAsync(agent.Contract);
            }

            if (mesh.Agents.Count > 0)
            {
                await _registry!.PutInstanceAsync(mesh.InstanceId, mesh.Agents);
            }

            // A stop that began meanwhile wins: the silo is leaving, not serving.
            if (_registration == MeshRegistration.Reregistering)
            {
                _registration = MeshRegistration.Registered;
            }

            LogReregistered(logger, mesh.Agents.Count);
        }
        catch (Exception e)
        {
            LogReregisterFailed(logger, e);
        }
    }

    /// <summary>While disconnected a health monitor may deregister us: not ready until <see cref="ReregisterAsync"/> has run.</summary>
    private ValueTask RegistrationInDoubtAsync(object? sender, NatsEventArgs args)
    {
        if (_registration == MeshRegistration.Registered)
        {
            _registration = MeshRegistration.Reregistering;
        }

        return ValueTask.CompletedTask;
    }

    private async Task StopAsync(CancellationToken ct)
    {
        _registration = MeshRegistration.Stopping;
        mesh.Connection.ConnectionOpened -= ReregisterAsync;
        mesh.Connection.ConnectionDisconnected -= RegistrationInDoubtAsync;
        await heartbeat.StopAsync(); // beats stop before the connection closes; a stopping silo is not a healthy one
        foreach (var agent in agents.All)
        {
            await logs.PublishAsync(agent.Name, LogEvent.Info, "agent_deregistered", "", $"Agent '{agent.Name}' deregistered");
        }

        // 1. Gates stop following (a gate must not reopen an endpoint now); sources stop delivering.
        await gates.StopAllAsync();
        await sources.StopAllAsync();

        // 2. Every endpoint leaves its queue group (other silos take new requests from here on) and drains what is
        //    already running; then the publishers end with their end frames.
        await endpoints.CloseAllAsync(_options.DeregisterTimeout, _options.DrainTimeout);
        shutdown.DrainEnded(); // handlers still running see their cancellation token fire
        foreach (var agent in agents.All.Where(a => a.Kind == AgentKind.Publisher))
        {
            await invoker.Publisher(agent, mesh.InstanceId).StopAsync();
        }

        // 3. Deregister with the survivor rule (§4.3), bounded: a mesh that is already gone must not hold up the stop.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(_options.DeregisterTimeout);
        try
        {
            await DeregisterAsync(deadline.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or NatsException)
        {
            LogDeregisterFailed(logger, e, _options.DeregisterTimeout);
        }

        await logs.DisposeAsync();
        LogStopped(logger, mesh.InstanceId);
    }

    private async Task DeregisterAsync(CancellationToken ct)
    {
        if (_registry is { } registry && mesh.Agents.Count > 0)
        {
            await registry.DeleteInstanceAsync(mesh.InstanceId, ct);
            var survivors = await registry.ServedAgentsAsync(ct);
            foreach (var agent in mesh.Agents.Where(a => !survivors.Contains(a)))
            {
                await registry.DeregisterAsync(agent, ct);
                await registry.PublishDeathAsync(new DeathNotice(agent, DeathNotice.GracefulShutdown, MeshIds.Now(), mesh.InstanceId), ct);
            }
        }

        await mesh.Connection.PingAsync(ct);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Bucket {Bucket} has {Has} replica(s) but this silo is configured for {Wants} (OAM_REPLICAS): it does not survive the loss of the NATS server holding it. It was left as it is; set OAM_RECONCILE_BUCKETS=true to raise its replicas at start, or change it with the nats CLI")]
    private static partial void LogTooFewReplicas(ILogger logger, string bucket, int has, int wants);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Bucket {Bucket} had {Has} replica(s): raised to {Wants} as configured (OAM_REPLICAS, OAM_RECONCILE_BUCKETS=true)")]
    private static partial void LogReplicasRaised(ILogger logger, string bucket, int has, int wants);

    [LoggerMessage(Level = LogLevel.Information, Message = "Mesh host started: {Count} agent(s) [{Agents}] on {Url}, instance {InstanceId}")]
    private static partial void LogStarted(ILogger logger, int count, string agents, string url, string instanceId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reconnected to NATS: re-registered {Count} agent(s)")]
    private static partial void LogReregistered(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Reconnected to NATS but re-registering the agents failed")]
    private static partial void LogReregisterFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not deregister from the mesh within {Timeout}; a health monitor will clean up after this host")]
    private static partial void LogDeregisterFailed(ILogger logger, Exception exception, TimeSpan timeout);

    [LoggerMessage(Level = LogLevel.Information, Message = "Mesh host stopped: instance {InstanceId} deregistered")]
    private static partial void LogStopped(ILogger logger, string instanceId);
}
