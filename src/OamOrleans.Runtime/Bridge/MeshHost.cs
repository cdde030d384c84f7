using NATS.Client.Core;
using Orleans.Runtime;
using OamOrleans.Client;
using OamOrleans.Pipeline;

namespace OamOrleans.Bridge;

/// <summary>
/// The silo as the mesh sees it: identity from its connection, readiness read from the pieces that own each condition.
/// Holds no state of its own.
/// </summary>
internal sealed class MeshHost(SiloMeshConnection mesh, AgentCatalog agents, AgentEndpoints endpoints, MeshBridge bridge, ISiloStatusOracle silo)
    : IMeshHost
{
    public string InstanceId => mesh.InstanceId;

    public string Url => mesh.Url;

    IReadOnlyList<string> IMeshHost.Agents => mesh.Agents;

    public IReadOnlyList<MeshReadinessCheck> CheckReadiness() => [Nats(), Bridge(), Agents(), Silo()];

    private MeshReadinessCheck Nats()
    {
        var state = mesh.TryGetConnection()?.ConnectionState;
        return state switch
        {
            NatsConnectionState.Open => new(MeshReadinessCheck.Nats, true, $"connected to {MeshEndpoint.Redact(mesh.Url)}"),
            null => new(MeshReadinessCheck.Nats, false, $"not connected to {MeshEndpoint.Redact(mesh.Url)} yet"),
            _ => new(MeshReadinessCheck.Nats, false, $"the connection to {MeshEndpoint.Redact(mesh.Url)} is {state.Value.ToString().ToLowerInvariant()}"),
        };
    }

    private MeshReadinessCheck Bridge()
    {
        // A gated agent is served only while its gate is open: a closed gate is a choice, not a fault.
        var expected = agents.All.Where(a => a.Invocable && a.Gate is null).Select(a => a.Name).ToList();
        var missing = expected.Where(name => !endpoints.IsServing(name)).ToList();
        return missing.Count == 0
            ? new(MeshReadinessCheck.Bridge, true, $"subscribed for {expected.Count} agent(s)")
            : new(MeshReadinessCheck.Bridge, false, $"not subscribed for {string.Join(", ", missing)}");
    }

    private MeshReadinessCheck Agents() => bridge.Registration switch
    {
        MeshRegistration.Registered => new(MeshReadinessCheck.Agents, true, $"{mesh.Agents.Count} agent(s) registered"),
        MeshRegistration.Starting => new(MeshReadinessCheck.Agents, false, "not registered yet: the silo is starting"),
        MeshRegistration.Reregistering => new(MeshReadinessCheck.Agents, false, "re-registering after a NATS reconnect"),
        _ => new(MeshReadinessCheck.Agents, false, "deregistered: the silo is stopping"),
    };

    private MeshReadinessCheck Silo()
    {
        var status = silo.CurrentStatus;
        return new(MeshReadinessCheck.Silo, status == SiloStatus.Active, $"Orleans silo {status}");
    }
}

/// <summary>Where the bridge is with the silo's registration on the mesh.</summary>
internal enum MeshRegistration
{
    Starting,
    Registered,
    Reregistering,
    Stopping,
}
