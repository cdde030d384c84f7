using OamOrleans.Internal;

namespace OamOrleans.Pipeline;

/// <summary>
/// The pipeline's invoke step: a prepared request to its agent's grain. <see cref="Bridge.AgentInvoker"/> calls the
/// grains (with failover); the seam lets the pipeline be tested without a silo. Never throws: a grain that cannot be
/// reached is an error outcome.
/// </summary>
internal interface IAgentTurns
{
    Task<AgentOutcome> InvokeAsync(AgentDescriptor agent, AgentRequest request, CancellationToken cancellationToken);

    /// <summary>Several prepared requests of one stateless agent in one grain call; the outcomes in the order of the requests.</summary>
    Task<AgentOutcome[]> InvokeBatchAsync(AgentDescriptor agent, AgentRequest[] requests, CancellationToken cancellationToken);

    /// <summary>A stream; the grain publishes its frames and its own end or error frame.</summary>
    Task<AgentOutcome> StreamAsync(AgentDescriptor agent, AgentRequest request, CancellationToken cancellationToken);
}
