using Microsoft.Extensions.Options;
using OamOrleans.Client;
using OamOrleans.Hosting;
using OamOrleans.Pipeline;
using OamOrleans.Protocol;

namespace OamOrleans.Bridge;

/// <summary>
/// <see cref="IDynamicAgents"/>: a dynamic agent gets an <see cref="AgentEndpoint"/> like any agent class, enters the
/// <see cref="AgentCatalog"/> (so in-cluster calls reach it through the pipeline, and the silo's instance record, re-registration
/// and stop cover it), and is registered and deregistered as the bridge does at start and stop.
/// </summary>
internal sealed class DynamicAgents(
    AgentCatalog agents,
    AgentEndpoints endpoints,
    MeshBridge bridge,
    SiloMeshConnection mesh,
    ObservabilityGate logs,
    IOptions<MeshHostOptions> options) : IDynamicAgents, IDisposable
{
    private readonly SemaphoreSlim _changes = new(1, 1);

    public async Task AddAsync(AgentContract contract, DynamicAgentHandler handler, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(contract);
        ArgumentNullException.ThrowIfNull(handler);
        AgentName.Validate(contract.Name, nameof(contract));
        if (agents.IsClassAgent(contract.Name))
        {
            throw new InvalidOperationException($"Agent '{contract.Name}' is an agent class of this silo; a dynamic agent cannot take its name.");
        }

        if (contract.Streaming || !contract.Invocable)
        {
            throw new ArgumentException($"Dynamic agent '{contract.Name}' must be an invocable responder (not streaming).", nameof(contract));
        }

        // Whoever starts with the silo may add its agents at once: they go online when the silo's own agents are registered.
        await bridge.Registered.WaitAsync(cancellationToken);
        var registry = Registry();
        var descriptor = AgentDescriptor.Dynamic(contract, handler);
        await _changes.WaitAsync(cancellationToken);
        try
        {
            // Online first, then announced (§4.3): the endpoint, the catalog (in-cluster calls), the records.
            var endpoint = endpoints.For(descriptor);
            endpoint.Agent = descriptor;
            await endpoint.OpenAsync(cancellationToken);
            var added = !agents.TryGet(contract.Name, out _);
            agents.SetDynamic(descriptor);
            await registry.RegisterAsync(contract, cancellationToken);
            await registry.PutInstanceAsync(mesh.InstanceId, mesh.Agents, cancellationToken);
            if (added)
            {
                await logs.PublishAsync(contract.Name, LogEvent.Info, "agent_registered", "", $"Agent '{contract.Name}' registered");
            }
        }
        finally
        {
            _changes.Release();
        }
    }

    public async Task<bool> RemoveAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        await _changes.WaitAsync(cancellationToken);
        try
        {
            if (!agents.TryGet(name, out var descriptor) || descriptor.Handler is null)
            {
                return false;
            }

            // Gone from in-cluster lookups first, then off NATS with a drain, then deregistered with the survivor rule.
            agents.RemoveDynamic(name);
            var o = options.Value;
            await endpoints.RemoveAsync(name, o.DeregisterTimeout, o.DrainTimeout);
            await logs.PublishAsync(name, LogEvent.Info, "agent_deregistered", "", $"Agent '{name}' deregistered");
            if (bridge.Registry is { } registry)
            {
                await registry.PutInstanceAsync(mesh.InstanceId, mesh.Agents, cancellationToken);
                if (!(await registry.ServedAgentsAsync(cancellationToken)).Contains(name))
                {
                    await registry.DeregisterAsync(name, cancellationToken);
                    await registry.PublishDeathAsync(new DeathNotice(name, DeathNotice.GracefulShutdown, MeshIds.Now(), mesh.InstanceId), cancellationToken);
                }
            }

            return true;
        }
        finally
        {
            _changes.Release();
        }
    }

    private MeshRegistry Registry() => bridge.Registry
        ?? throw new InvalidOperationException("The silo is not registered on the mesh (starting or stopping): dynamic agents can be added once it is Active.");

    public void Dispose() => _changes.Dispose();
}
