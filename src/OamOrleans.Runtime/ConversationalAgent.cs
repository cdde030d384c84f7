using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Storage;
using OamOrleans.Hosting;
using OamOrleans.Client;
using OamOrleans.Internal;
using OamOrleans.Nats;
using OamOrleans.Protocol;

namespace OamOrleans;

/// <summary>
/// A conversational agent: one activation per conversation, turn-based (a conversation's state is never raced),
/// with typed <see cref="State"/> kept in Orleans grain storage. The state is written after every successful turn and
/// before the reply leaves, so an acknowledged turn is never lost; a failed turn discards its in-memory changes.
/// The same write keeps the request ids and replies of the last <see cref="MeshHostOptions.TurnLogSize"/> turns: a
/// request id the conversation already answered (a retry after a lost silo, a client re-sending it) gets the stored
/// reply and the handler does not run again, so each request id changes the state at most once.
/// </summary>
public abstract partial class ConversationalAgent<TIn, TOut, TState> : AgentGrain
    where TState : class, new()
{
    private readonly GrainState<ConversationSnapshot<TState>> _state = new(new ConversationSnapshot<TState>());
    private IGrainStorage? _storage;
    private int _turnLogSize;

    /// <summary>The conversation's state; change it freely during a turn.</summary>
    protected TState State
    {
        get => Snapshot.State;
        set => Snapshot.State = value ?? throw new ArgumentNullException(nameof(value));
    }

    private ConversationSnapshot<TState> Snapshot => _state.State!;

    /// <summary>Handles one turn of the conversation; read and change <see cref="State"/> freely. Returning saves the state before the reply leaves; throwing discards this turn's changes and answers with the error.</summary>
    /// <param name="input">The request body, validated and deserialized.</param>
    /// <param name="context">The request's id, conversation, mesh client, logger and usage reporting.</param>
    /// <returns>The output, serialized as the reply.</returns>
    protected abstract Task<TOut> HandleAsync(TIn input, AgentContext context);

    /// <summary>Loads the conversation's state (and its turn log) from the grain storage named by <see cref="MeshHostOptions.StateStorageName"/>. Overrides must call the base method first.</summary>
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var options = ServiceProvider.GetRequiredService<IOptions<MeshHostOptions>>().Value;
        var storageName = options.StateStorageName;
        _turnLogSize = options.TurnLogSize;
        _storage = ServiceProvider.GetKeyedService<IGrainStorage>(storageName)
            ?? throw new InvalidOperationException(
                $"Agent '{AgentName}' keeps conversation state but no grain storage named '{storageName}' is registered; " +
                $"add one, e.g. siloBuilder.AddSiloMemoryGrainStorage(\"{storageName}\") (one silo) or AddNatsGrainStorage(\"{storageName}\", url) (a cluster).");
        await _storage.ReadStateAsync(ConversationKeys.StateName, this.GetGrainId(), _state);
        Normalize();
        _stateTtl = Services.Describe(AgentName, GetType()).StateTtl;
        await base.OnActivateAsync(cancellationToken);
    }

    private protected override async ValueTask<byte[]> InvokeCoreAsync(AgentRequest request, AgentContext context)
    {
        await ExpireIfIdleAsync();
        var logged = _turnLogSize > 0 && request.RequestId.Length > 0;
        if (logged && Snapshot.Log.ReplyTo(request.RequestId) is { } stored)
        {
            return stored; // this request id already ran: answer it again, change nothing
        }

        context.TurnHost = this;
        var output = AgentJson.SerializeOutput(await HandleAsync(AgentJson.Deserialize<TIn>(request.Body), context));
        if (logged)
        {
            Snapshot.Log.Record(new TurnRecord(request.RequestId, output), _turnLogSize);
        }

        await SaveAsync(request.ConversationId);
        return output;
    }

    /// <summary>Writes the conversation's state at the end of a turn, before its reply leaves.</summary>
    private async Task SaveAsync(string conversationId)
    {
        try
        {
            if (_ending)
            {
                await EndAsync();
                return;
            }

            if (_stateTtl is not null)
            {
                Snapshot.LastTurn = DateTimeOffset.UtcNow;
            }

            await _storage!.WriteStateAsync(ConversationKeys.StateName, this.GetGrainId(), _state);
        }
        catch (Exception e)
        {
            // Not the handler's failure: the state store could not take the write (a NATS node lost, a stream leader being
            // elected, another activation's newer write). The turn is not acknowledged; the activation reloads the stored
            // state, so a retry with the same request id either finds the turn in the log or runs it once.
            throw new MeshException(MeshErrorCodes.NotAvailable, $"Agent '{AgentName}' could not save conversation '{conversationId}' ({e.GetType().Name}: {e.Message}); the turn was not applied, try again", innerException: e);
        }
    }

    /// <summary>A conversation is turn-based: a batch is taken one turn after the other, never raced.</summary>
    private protected override async Task<AgentOutcome[]> InvokeBatchCoreAsync(AgentRequest[] requests, CancellationToken cancellationToken)
    {
        var responses = new AgentOutcome[requests.Length];
        for (var i = 0; i < requests.Length; i++)
        {
            responses[i] = await InvokeTurnAsync(requests[i], cancellationToken);
        }

        return responses;
    }

    private protected override Task OnFailedTurnAsync()
    {
        _ending = false;
        // Reload the last persisted state on the next turn.
        DeactivateOnIdle();
        return Task.CompletedTask;
    }
}
