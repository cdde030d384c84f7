using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OamOrleans.Client;
using OamOrleans.Internal;
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
    private string? _agentName;
    private AgentGrainServices? _services;

    private protected AgentGrain()
    {
    }

    /// <summary>The dotted agent name this grain serves.</summary>
    protected string AgentName => _agentName ??= GetType().GetCustomAttributes(typeof(AgentAttribute), false) is [AgentAttribute a, ..]
        ? a.Name
        : throw new InvalidOperationException($"{GetType().Name} has no [Agent] attribute");

    /// <summary>The silo's collaborators, resolved once per activation.</summary>
    private protected AgentGrainServices Services => _services ??= ServiceProvider.GetService<AgentGrainServices>()
        ?? throw new InvalidOperationException($"Agent '{AgentName}' was activated on a silo without AddOpenAgentMesh(); every silo that loads agent classes must call it");

    ValueTask<AgentOutcome> IAgentGrain.InvokeAsync(AgentRequest request, CancellationToken cancellationToken) => new(InvokeTurnAsync(request, cancellationToken));

    ValueTask<AgentOutcome> IAgentGrain.CallAsync(AgentRequest request, CancellationToken cancellationToken) =>
        new(Services.Pipeline.RunHereAsync(Services.Describe(AgentName, GetType()), request, InvokeTurnAsync, cancellationToken));

    private protected async Task<AgentOutcome> InvokeTurnAsync(AgentRequest request, CancellationToken cancellationToken)
    {
        var context = CreateContext(request.RequestId, request.ConversationId, request.Timeout, request.ReplyTo, cancellationToken);
        try
        {
            var output = await InvokeCoreAsync(request, context);
            return AgentOutcome.Reply(output, context.UsageJson);
        }
        catch (Exception e)
        {
            await OnFailedTurnAsync();
            return AgentOutcome.Failure(ErrorFor(e, context), context.UsageJson);
        }
        finally
        {
            context.End();
        }
    }

    ValueTask<AgentOutcome[]> IAgentGrain.InvokeBatchAsync(AgentRequest[] requests, CancellationToken cancellationToken) => new(InvokeBatchCoreAsync(requests, cancellationToken));

    /// <summary>Runs a batch concurrently (stateless agents are reentrant); conversational agents run it turn by turn.</summary>
    private protected virtual Task<AgentOutcome[]> InvokeBatchCoreAsync(AgentRequest[] requests, CancellationToken cancellationToken)
    {
        var turns = new Task<AgentOutcome>[requests.Length];
        var allDone = true;
        for (var i = 0; i < requests.Length; i++)
        {
            turns[i] = InvokeTurnAsync(requests[i], cancellationToken);
            allDone &= turns[i].IsCompletedSuccessfully;
        }

        // Fast handlers finish synchronously: collect their results without a WhenAll continuation per turn.
        return allDone ? Task.FromResult(Array.ConvertAll(turns, t => t.Result)) : Task.WhenAll(turns); // in the order of the requests
    }

    /// <summary>
    /// The context of one call, made <see cref="AgentContext.Current"/> for the async method that asks for it (every
    /// caller is one, so the value ends with that call).
    /// </summary>
    private protected AgentContext CreateContext(string requestId, string conversationId, TimeSpan timeout = default, string? replyTo = null, CancellationToken cancellationToken = default) =>
        AgentContext.Enter(new(AgentName, requestId, conversationId, Services.Mesh, timeout, cancellationToken, Services.Shutdown.Stopping) { ReplyTo = replyTo });

    /// <summary>Runs the handler of a responder or trigger and returns the output JSON.</summary>
    /// <remarks>A <see cref="ValueTask{TResult}"/>: a handler that finishes at once costs no task object here.</remarks>
    private protected virtual ValueTask<byte[]> InvokeCoreAsync(AgentRequest request, AgentContext context) =>
        throw new MeshException(MeshErrorCodes.InvocationMismatch, $"Agent '{AgentName}' is streaming-only. Use stream() instead");

    /// <summary>Called after a turn failed; conversational agents drop their in-memory state here.</summary>
    private protected virtual Task OnFailedTurnAsync() => Task.CompletedTask;

    /// <summary>The protocol error for an exception raised by a handler; giving up on its own token is a <c>timeout</c>.</summary>
    private protected AgentError ErrorFor(Exception exception, AgentContext? context = null) => exception switch
    {
        MeshException e => AgentError.From(e),
        OperationCanceledException when context is not null && context.CancellationToken.IsCancellationRequested =>
            new AgentError(MeshErrorCodes.Timeout, $"Agent '{AgentName}' gave up on request '{context.RequestId}': its deadline passed, its caller cancelled, or its silo is stopping"),
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
    /// <param name="input">The request body, deserialized with <see cref="MeshJson.AgentOptions"/>.</param>
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
