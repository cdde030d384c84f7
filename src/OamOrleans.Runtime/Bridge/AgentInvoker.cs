using System.Collections.Concurrent;
using Orleans.Runtime;
using OamOrleans.Internal;
using OamOrleans.Pipeline;
using OamOrleans.Protocol;

namespace OamOrleans.Bridge;

/// <summary>
/// The invoke step of the <see cref="RequestPipeline"/>: finds an agent's grain for a conversation and calls it, again
/// on another silo when its silo was lost (<see cref="GrainCallFailover"/>). Never throws: a grain that cannot be
/// reached becomes an error outcome the pipeline still has to deliver.
/// </summary>
internal sealed class AgentInvoker : IAgentTurns
{
    private readonly ConcurrentDictionary<GrainType, IAgentGrain> _stateless = new();
    private readonly IGrainFactory _grains;
    private readonly GrainCallFailover _failover;
    private readonly GrainReferenceCache _conversations;
    private GrainInterfaceType? _agentInterface;

    public AgentInvoker(IGrainFactory grains, GrainCallFailover failover)
    {
        _grains = grains;
        _failover = failover;
        _conversations = new GrainReferenceCache(CreateAgentGrain);
    }

    /// <summary>Calls a responder or trigger with a prepared request.</summary>
    public Task<AgentOutcome> InvokeAsync(AgentDescriptor agent, AgentRequest request, CancellationToken cancellationToken) =>
        CallAsync(agent.Name, agent.Conversational, (Grain: AgentGrainOf(agent, request.ConversationId), Request: request, Token: cancellationToken),
            static call => call.Grain.InvokeAsync(call.Request, call.Token));

    /// <summary>
    /// Calls an agent hosted only by other silos of the cluster (its class may not even be loaded here): nobody prepared
    /// the request, so the grain's silo runs it through its pipeline (<see cref="IAgentGrain.CallAsync"/>).
    /// </summary>
    public Task<AgentOutcome> CallElsewhereAsync(string agent, bool conversational, AgentRequest request, CancellationToken cancellationToken) =>
        CallAsync(agent, conversational,
            (Grain: _conversations.Get(GrainId.Create(AgentAttribute.GrainTypeOf(agent), conversational ? request.ConversationId : ConversationIds.Default)), Request: request, Token: cancellationToken),
            static call => call.Grain.CallAsync(call.Request, call.Token));

    /// <summary>
    /// Calls a stateless responder or trigger with several prepared requests in one grain call; the outcomes are in the
    /// order of the requests. If the grain cannot be reached, every request gets that error.
    /// </summary>
    public async Task<AgentOutcome[]> InvokeBatchAsync(AgentDescriptor agent, AgentRequest[] requests, CancellationToken cancellationToken)
    {
        try
        {
            var outcomes = await _failover.CallAsync(agent.Name, (Grain: AgentGrainOf(agent, ConversationIds.Default), Requests: requests, Token: cancellationToken),
                static call => call.Grain.InvokeBatchAsync(call.Requests, call.Token));
            if (outcomes.Length != requests.Length)
            {
                throw new InvalidOperationException($"Agent grain answered {outcomes.Length} of {requests.Length} requests");
            }

            return outcomes;
        }
        catch (Exception e)
        {
            return Enumerable.Repeat(GrainCallFailover.ErrorFor(agent.Name, conversation: null, e), requests.Length).ToArray();
        }
    }

    /// <summary>Runs a stream; the grain publishes the frames and its own end or error frame, within the request's deadline.</summary>
    public async Task<AgentOutcome> StreamAsync(AgentDescriptor agent, AgentRequest request, CancellationToken cancellationToken)
    {
        try
        {
            // Not retried: frames may already be out, and the caller's stream would restart mid-way.
            return await _grains.GetGrain<IStreamingAgentGrain>(GrainIdOf(agent, request.ConversationId)).StreamAsync(request, cancellationToken);
        }
        catch (Exception e)
        {
            return GrainCallFailover.ErrorFor(agent.Name, conversation: null, e);
        }
    }

    /// <summary>The publisher activation of this silo.</summary>
    public IPublisherAgentGrain Publisher(AgentDescriptor agent, string instanceId) =>
        _grains.GetGrain<IPublisherAgentGrain>(GrainId.Create(agent.GrainType, instanceId));

    private async Task<AgentOutcome> CallAsync(string agent, bool conversational, (IAgentGrain Grain, AgentRequest Request, CancellationToken Token) call,
        Func<(IAgentGrain Grain, AgentRequest Request, CancellationToken Token), ValueTask<AgentOutcome>> send)
    {
        try
        {
            // The same request on every attempt: a conversation answers a turn it already ran from its turn log.
            return await _failover.CallAsync(agent, call, send);
        }
        catch (Exception e)
        {
            return GrainCallFailover.ErrorFor(agent, conversational ? call.Request.ConversationId : null, e);
        }
    }

    /// <summary>Stateless agents run as stateless workers: one grain id, pooled activations in every silo.</summary>
    private static GrainId GrainIdOf(AgentDescriptor agent, string conversation) =>
        GrainId.Create(agent.GrainType, agent.Conversational ? conversation : ConversationIds.Default);

    /// <summary>
    /// The grain reference for a request. <c>GetGrain&lt;T&gt;(GrainId)</c> resolves the grain interface type by
    /// reflection on every call, so the interface type is resolved once; a stateless agent's one reference (its id
    /// never changes) is kept, and recent conversations' references are reused (<see cref="GrainReferenceCache"/>).
    /// </summary>
    private IAgentGrain AgentGrainOf(AgentDescriptor agent, string conversation)
    {
        if (!agent.Conversational)
        {
            return _stateless.TryGetValue(agent.GrainType, out var cached)
                ? cached
                : _stateless.GetOrAdd(agent.GrainType, static (type, self) => self.CreateAgentGrain(GrainId.Create(type, ConversationIds.Default)), this);
        }

        return _conversations.Get(GrainId.Create(agent.GrainType, conversation));
    }

    private IAgentGrain CreateAgentGrain(GrainId id)
    {
        if (_agentInterface is { } type)
        {
            return (IAgentGrain)_grains.GetGrain(id, type);
        }

        var grain = _grains.GetGrain<IAgentGrain>(id);
        _agentInterface = ((GrainReference)(object)grain).InterfaceType;
        return grain;
    }
}
