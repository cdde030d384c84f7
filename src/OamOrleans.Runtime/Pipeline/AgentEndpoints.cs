using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using OamOrleans.Bridge;

namespace OamOrleans.Pipeline;

/// <summary>The silo's <see cref="AgentEndpoint"/>s, one per invocable agent, made on first use.</summary>
internal sealed class AgentEndpoints(SiloMeshConnection mesh, RequestSlots slots, RequestShedder shedder, RequestPipeline pipeline, ILogger<AgentEndpoint> logger)
{
    private readonly ConcurrentDictionary<string, AgentEndpoint> _endpoints = new(StringComparer.Ordinal);

    public AgentEndpoint For(AgentDescriptor agent) =>
        _endpoints.GetOrAdd(agent.Name, _ => new AgentEndpoint(agent, mesh, slots, shedder, pipeline, logger));

    /// <summary>The agent's endpoint if it has one (agents that take no requests have none).</summary>
    public AgentEndpoint? Find(string agent) => _endpoints.GetValueOrDefault(agent);

    /// <summary>Closes and forgets a dynamic agent's endpoint (leave the queue group, drain); false when some requests were still running.</summary>
    public async Task<bool> RemoveAsync(string agent, TimeSpan leaveTimeout, TimeSpan drainTimeout) =>
        !_endpoints.TryRemove(agent, out var endpoint) || await endpoint.CloseAsync(leaveTimeout, drainTimeout);

    /// <summary>True while the agent's subscription is open and its receive loop runs (readiness).</summary>
    public bool IsServing(string agent) => _endpoints.TryGetValue(agent, out var endpoint) && endpoint.IsServing;

    /// <summary>Closes every open endpoint at once: all leave their queue groups, then all drain.</summary>
    public Task CloseAllAsync(TimeSpan leaveTimeout, TimeSpan drainTimeout) =>
        Task.WhenAll(_endpoints.Values.Select(e => e.CloseAsync(leaveTimeout, drainTimeout)));
}
