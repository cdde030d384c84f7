using Microsoft.Extensions.DependencyInjection;
using OamOrleans.Nats;
using Orleans.Timers;

namespace OamOrleans;

/// <summary>Ending a conversation from inside it (<see cref="AgentContext.EndConversation"/>).</summary>
public abstract partial class ConversationalAgent<TIn, TOut, TState>
{
    private bool _ending;

    void IConversationTurnHost.EndConversation() => _ending = true;

    /// <summary>
    /// Instead of the turn's state write: the stored state is deleted (turn log included), the pending reminders are
    /// unregistered and the activation goes, so the next turn of this conversation id starts from a new state. The reply
    /// leaves after this, as after a write; if the delete fails the turn fails and nothing is ended.
    /// </summary>
    private async Task EndAsync()
    {
        _ending = false;
        if (ServiceProvider.GetService<IReminderRegistry>() is not null)
        {
            foreach (var name in Snapshot.Reminders.Keys.ToList())
            {
                await UnregisterAsync(name);
            }
        }

        await _storage!.ClearStateAsync(ConversationKeys.StateName, this.GetGrainId(), _state);
        _state.State = new ConversationSnapshot<TState>();
        DeactivateOnIdle();
    }
}
