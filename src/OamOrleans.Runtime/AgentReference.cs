using System.Reflection;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OamOrleans.Bridge;
using OamOrleans.Hosting;
using OamOrleans.Pipeline;
using Orleans.Runtime;
using OamOrleans.Client;
using OamOrleans.Internal;
using OamOrleans.Protocol;

namespace OamOrleans;

/// <summary>
/// A typed handle on one agent grain (agent + conversation) for .NET code that holds an <see cref="IGrainFactory"/>
/// or <see cref="IClusterClient"/>: calls go straight through Orleans, and the grain's silo runs each one through the
/// same request pipeline as a mesh call (schema check, middleware, logs, metrics, span), once.
/// </summary>
public sealed class AgentReference
{
    // A lost silo is retried on another, as for a mesh call (the caller may be a cluster client: no silo services here).
    private static readonly GrainCallFailover Failover = new(Options.Create(new MeshHostOptions()), NullLogger<GrainCallFailover>.Instance);
    private readonly IAgentGrain _grain;

    internal AgentReference(IGrainFactory grains, string agentName, string conversationId)
    {
        AgentName = agentName;
        ConversationId = conversationId;
        _grain = grains.GetGrain<IAgentGrain>(GrainId.Create(OamOrleans.AgentAttribute.GrainTypeOf(agentName), conversationId));
    }

    /// <summary>The dotted name of the agent this handle calls.</summary>
    public string AgentName { get; }

    /// <summary>The conversation (grain activation) this handle calls; <c>default</c> unless one was given.</summary>
    public string ConversationId { get; }

    /// <summary>How long a call waits when no timeout is given: 30 s, as a mesh call.</summary>
    public static TimeSpan DefaultTimeout { get; } = TimeSpan.FromSeconds(30);

    /// <summary>Calls the agent with <paramref name="input"/> as JSON; errors raise <see cref="MeshException"/> subclasses.</summary>
    /// <param name="input">The input, serialized with <see cref="MeshJson.AgentOptions"/>; null sends an empty body.</param>
    /// <param name="timeout">How long to wait (default <see cref="DefaultTimeout"/>); the handler's <see cref="AgentContext.CancellationToken"/> fires then.</param>
    /// <param name="cancellationToken">Cancels the call; the handler's <see cref="AgentContext.CancellationToken"/> fires too.</param>
    public async Task<TOut> CallAsync<TOut>(object? input, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var body = input is null ? [] : JsonSerializer.SerializeToUtf8Bytes(input, input.GetType(), MeshJson.AgentOptions);
        var reply = await CallJsonAsync(body, timeout, cancellationToken);
        return JsonSerializer.Deserialize<TOut>(reply, MeshJson.AgentOptions)!;
    }

    /// <summary>Calls the agent with a raw JSON body and returns the raw JSON output.</summary>
    /// <param name="body">The input JSON.</param>
    /// <param name="timeout">How long to wait (default <see cref="DefaultTimeout"/>); the handler's <see cref="AgentContext.CancellationToken"/> fires then.</param>
    /// <param name="cancellationToken">Cancels the call; the handler's <see cref="AgentContext.CancellationToken"/> fires too.</param>
    /// <exception cref="MeshTimeoutException">No answer within <paramref name="timeout"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<byte[]> CallJsonAsync(byte[] body, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var limit = timeout ?? DefaultTimeout;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(limit, TimeSpan.Zero, nameof(timeout));
        var requestId = MeshIds.New();

        // Nobody prepared the request: the grain's silo runs it through its pipeline (checks, middleware, logs, metrics,
        // span). The deadline travels in the request and as the grain call's cancellation.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(limit);
        using var registered = InProcessCancellation.Register(requestId, deadline.Token);
        var request = new AgentRequest(body, requestId, ConversationId) { Timeout = limit };
        AgentOutcome outcome;
        try
        {
            outcome = await Failover.CallAsync(AgentName, (Grain: _grain, Request: request, Token: deadline.Token), static call => call.Grain.CallAsync(call.Request, call.Token));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new MeshTimeoutException(MeshSubjects.Agent(AgentName), limit, AgentName, requestId);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            outcome = GrainCallFailover.ErrorFor(AgentName, ConversationId, e);
        }

        return outcome.Error is { } error ? throw error.ToException(AgentName, requestId) : outcome.Body;
    }
}

/// <summary>Typed access to agent grains from <see cref="IGrainFactory"/> / <see cref="IClusterClient"/>.</summary>
public static class AgentGrainFactoryExtensions
{
    /// <summary>The agent <typeparamref name="TAgent"/> in conversation <paramref name="conversationId"/> (ignored by stateless agents).</summary>
    public static AgentReference GetAgent<TAgent>(this IGrainFactory grains, string conversationId = "default")
        where TAgent : AgentGrain
    {
        var attribute = typeof(TAgent).GetCustomAttribute<AgentAttribute>(inherit: false)
            ?? throw new ArgumentException($"{typeof(TAgent).FullName} lacks [Agent(\"name\")].", nameof(TAgent));
        return new AgentReference(grains, attribute.Name, AgentDescriptor.IsConversational(typeof(TAgent)) ? conversationId : "default");
    }

    /// <summary>The agent named <paramref name="agentName"/> in conversation <paramref name="conversationId"/>.</summary>
    public static AgentReference GetAgent(this IGrainFactory grains, string agentName, string conversationId = "default") =>
        new(grains, OamOrleans.Protocol.AgentName.Validate(agentName, nameof(agentName)), conversationId);
}
