using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OamOrleans.Client;
using OamOrleans.Bridge;
using OamOrleans.Internal;
using OamOrleans.Middleware;
using OamOrleans.Pipeline;
using OamOrleans.Protocol;
using Orleans.Concurrency;

namespace OamOrleans;

/// <summary>
/// Plumbing shared by every agent grain: builds the <see cref="AgentContext"/>, deserializes the input and turns
/// exceptions into protocol errors (a <see cref="MeshException"/> keeps its code; anything else is <c>handler_error</c>).
/// Derive from <see cref="Agent{TIn,TOut}"/>, <see cref="TriggerAgent{TOut}"/>,
/// <see cref="ConversationalAgent{TIn,TOut,TState}"/>, <see cref="StreamingAgent{TIn,TChunk}"/> or
/// <see cref="PublisherAgent{TEvent}"/> rather than from this class.
/// </summary>
public abstract class AgentGrain : Grain, IAgentGrain
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, AgentDescriptor> OwnDescriptors = new();
    private string? _agentName;
    private IAgentMesh? _mesh;

    private protected AgentGrain()
    {
    }

    /// <summary>The dotted agent name this grain serves.</summary>
    protected string AgentName => _agentName ??= GetType().GetCustomAttributes(typeof(AgentAttribute), false) is [AgentAttribute a, ..]
        ? a.Name
        : throw new InvalidOperationException($"{GetType().Name} has no [Agent] attribute");

    Task<AgentOutcome> IAgentGrain.InvokeAsync(AgentRequest request)
    {
        if (request.Prepared)
        {
            return InvokeTurnAsync(request);
        }

        if (Prepare(request, stream: false) is { } refused)
        {
            return Task.FromResult(AgentOutcome.Failure(refused));
        }

        // No pipeline of this silo ran the middleware step (a call from another silo, a typed grain reference): run it here.
        return ServiceProvider.GetService<AgentMiddlewareChain>() is { Any: true } middleware
            ? middleware.RunAsync(new AgentInvocation(AgentName, request.RequestId, request.ConversationId, request.Body, stream: false, headers: null, overNats: false, ServiceProvider.GetService<ObservabilityGate>()), () => InvokeTurnAsync(request))
            : InvokeTurnAsync(request);
    }

    private async Task<AgentOutcome> InvokeTurnAsync(AgentRequest request)
    {
        var context = CreateContext(request.RequestId, request.ConversationId);
        try
        {
            var output = await InvokeCoreAsync(request, context);
            return AgentOutcome.Reply(output, context.UsageJson);
        }
        catch (Exception e)
        {
            await OnFailedTurnAsync();
            return AgentOutcome.Failure(ErrorFor(e), context.UsageJson);
        }
    }

    Task<AgentOutcome[]> IAgentGrain.InvokeBatchAsync(AgentRequest[] requests) => InvokeBatchCoreAsync(requests);

    /// <summary>Runs a batch concurrently (stateless agents are reentrant); conversational agents run it turn by turn.</summary>
    private protected virtual Task<AgentOutcome[]> InvokeBatchCoreAsync(AgentRequest[] requests)
    {
        var turns = new Task<AgentOutcome>[requests.Length];
        var allDone = true;
        for (var i = 0; i < requests.Length; i++)
        {
            turns[i] = ((IAgentGrain)this).InvokeAsync(requests[i]);
            allDone &= turns[i].IsCompletedSuccessfully;
        }

        // Fast handlers finish synchronously: collect their results without a WhenAll continuation per turn.
        return allDone ? Task.FromResult(Array.ConvertAll(turns, t => t.Result)) : Task.WhenAll(turns); // in the order of the requests
    }

    /// <summary>
    /// The pipeline's checks for a request no pipeline of this silo prepared (a call from another silo, a typed grain
    /// reference). Orleans may activate the grain on any silo that has its class, not only on those that host the agent
    /// on the mesh, so without a catalog entry the grain's own class describes the agent.
    /// </summary>
    private protected AgentError? Prepare(AgentRequest request, bool stream)
    {
        var agent = ServiceProvider.GetService<AgentCatalog>() is { } catalog && catalog.TryGet(AgentName, out var hosted)
            ? hosted
            : OwnDescriptors.GetOrAdd(GetType(), static type => AgentDescriptor.Create(type, DateTimeOffset.UtcNow));
        var limits = ServiceProvider.GetService<RequestPipeline>()?.Limits ?? RequestLimits.Default;
        return agent.Prepare(request.Body, stream, request.RequestId, request.ConversationId, limits, out _);
    }

    /// <summary>
    /// The context of one call, made <see cref="AgentContext.Current"/> for the async method that asks for it (every
    /// caller is one, so the value ends with that call).
    /// </summary>
    private protected AgentContext CreateContext(string requestId, string conversationId) =>
        AgentContext.Enter(new(AgentName, requestId, conversationId, _mesh ??= ServiceProvider.GetRequiredService<IAgentMesh>()));

    /// <summary>Runs the handler of a responder or trigger and returns the output JSON.</summary>
    /// <remarks>A <see cref="ValueTask{TResult}"/>: a handler that finishes at once costs no task object here.</remarks>
    private protected virtual ValueTask<byte[]> InvokeCoreAsync(AgentRequest request, AgentContext context) =>
        throw new MeshException(MeshErrorCodes.InvocationMismatch, $"Agent '{AgentName}' is streaming-only. Use stream() instead");

    /// <summary>Called after a turn failed; conversational agents drop their in-memory state here.</summary>
    private protected virtual Task OnFailedTurnAsync() => Task.CompletedTask;

    /// <summary>The protocol error for an exception raised by a handler.</summary>
    private protected AgentError ErrorFor(Exception exception) => exception switch
    {
        MeshException e => AgentError.From(e),
        // Validation ran before the grain; this catches what only the deserializer can see.
        JsonException e => new AgentError(
            MeshErrorCodes.InvalidInput,
            $"Input failed validation for agent '{AgentName}': {e.Message}",
            PydanticErrors.At(null, "value_error", e.Message, null)),
        _ => new AgentError(MeshErrorCodes.HandlerError, exception.Message),
    };
}

/// <summary>
/// A stateless responder agent: input <typeparamref name="TIn"/> → output <typeparamref name="TOut"/>.
/// Runs as an Orleans stateless worker (several activations per silo, reentrant), so it scales across cores.
/// </summary>
[StatelessWorker]
[Reentrant]
public abstract class Agent<TIn, TOut> : AgentGrain
{
    /// <summary>Handles one request. The input was already validated against the agent's schema; throw a <see cref="MeshException"/> to answer with its code, any other exception answers <c>handler_error</c>.</summary>
    /// <param name="input">The request body, deserialized with <see cref="AgentJson.Options"/>.</param>
    /// <param name="context">The request's id, conversation, mesh client, logger and usage reporting.</param>
    /// <returns>The output, serialized as the reply.</returns>
    protected abstract Task<TOut> HandleAsync(TIn input, AgentContext context);

    private protected override async ValueTask<byte[]> InvokeCoreAsync(AgentRequest request, AgentContext context) =>
        AgentJson.SerializeOutput(await HandleAsync(AgentJson.Deserialize<TIn>(request.Body), context));
}

/// <summary>A stateless trigger agent: no input → output <typeparamref name="TOut"/>. Any request body is ignored.</summary>
[StatelessWorker]
[Reentrant]
public abstract class TriggerAgent<TOut> : AgentGrain
{
    /// <summary>Handles one trigger; the request body is ignored. Exceptions answer as in <see cref="Agent{TIn,TOut}"/>.</summary>
    /// <param name="context">The request's id, conversation, mesh client, logger and usage reporting.</param>
    /// <returns>The output, serialized as the reply.</returns>
    protected abstract Task<TOut> HandleAsync(AgentContext context);

    private protected override async ValueTask<byte[]> InvokeCoreAsync(AgentRequest request, AgentContext context) =>
        AgentJson.SerializeOutput(await HandleAsync(context));
}
