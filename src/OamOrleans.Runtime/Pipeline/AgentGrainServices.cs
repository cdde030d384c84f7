using System.Collections.Concurrent;
using OamOrleans.Bridge;
using OamOrleans.Internal;

namespace OamOrleans.Pipeline;

/// <summary>
/// What an agent grain needs from its silo, resolved once per activation (one lookup) instead of per call: the request
/// pipeline that runs unprepared calls, the mesh for <see cref="AgentContext.Mesh"/>, the frames publisher of streams,
/// and the silo's stop signal for <see cref="AgentContext.CancellationToken"/>.
/// </summary>
internal sealed class AgentGrainServices(AgentCatalog catalog, RequestPipeline pipeline, IAgentMesh mesh, MeshPublisher publisher, AgentShutdown shutdown)
{
    private static readonly ConcurrentDictionary<Type, AgentDescriptor> OwnDescriptors = new();

    public RequestPipeline Pipeline { get; } = pipeline;

    public IAgentMesh Mesh { get; } = mesh;

    public MeshPublisher Publisher { get; } = publisher;

    public AgentShutdown Shutdown { get; } = shutdown;

    /// <summary>
    /// The agent as this silo hosts it; Orleans may activate a grain on any silo that has its class, not only on those
    /// that host the agent on the mesh, and there the grain's own class describes it.
    /// </summary>
    public AgentDescriptor Describe(string agentName, Type grainClass) =>
        catalog.TryGet(agentName, out var hosted)
            ? hosted
            : OwnDescriptors.GetOrAdd(grainClass, static type => AgentDescriptor.Create(type, DateTimeOffset.UtcNow));
}
