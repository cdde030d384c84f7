using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OamOrleans.Expiry;
using OamOrleans.Nats;
using Orleans.Storage;
using Orleans.Timers;

namespace OamOrleans;

/// <summary>Idle expiry (<see cref="AgentAttribute.StateTtl"/>): a turn never runs on the state of an expired conversation.</summary>
public abstract partial class ConversationalAgent<TIn, TOut, TState>
{
    private TimeSpan? _stateTtl;

    /// <summary>
    /// At the start of every turn (request or reminder): when the conversation's last turn lies more than the TTL in the
    /// past, its stored state is deleted (compare-and-swap on the revision this activation holds) and the turn starts from
    /// a new state; its pending reminders are unregistered. If the sweeper deleted it first, the stored record is read again
    /// so the turn's write names the current revision; whatever is stored is used only when it is not itself expired.
    /// </summary>
    private async Task ExpireIfIdleAsync()
    {
        if (_stateTtl is not { } ttl || Snapshot.LastTurn is not { } lastTurn || !ConversationExpiry.IsExpired(lastTurn, ttl, DateTimeOffset.UtcNow))
        {
            return;
        }

        var conversation = this.GetPrimaryKeyString();
        ExpiryLog.Expired(Logger, AgentName, conversation, lastTurn, ttl);
        if (ServiceProvider.GetService<IReminderRegistry>() is not null)
        {
            foreach (var name in Snapshot.Reminders.Keys.ToList())
            {
                await UnregisterAsync(name);
            }
        }

        try
        {
            await _storage!.ClearStateAsync(ConversationKeys.StateName, this.GetGrainId(), _state);
        }
        catch (InconsistentStateException)
        {
            // Deleted (by the sweeper) or rewritten since this activation read it: take the stored revision as it is now.
            await _storage!.ReadStateAsync(ConversationKeys.StateName, this.GetGrainId(), _state);
            Normalize();
            if (Snapshot.LastTurn is { } stored && !ConversationExpiry.IsExpired(stored, ttl, DateTimeOffset.UtcNow))
            {
                return;
            }
        }

        _state.State = new ConversationSnapshot<TState>(); // the ETag stays: the turn's write replaces what is stored
    }

    /// <summary>A snapshot as read may lack parts (a provider's fresh instance, an older build's record).</summary>
    private void Normalize()
    {
        _state.State ??= new ConversationSnapshot<TState>();
        _state.State.State ??= new TState();
        _state.State.Reminders ??= new(StringComparer.Ordinal);
    }
}

internal static partial class ExpiryLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Conversation {Conversation} of agent '{Agent}' expired (last turn {LastTurn:o}, state TTL {Ttl}): this turn starts from a new state")]
    public static partial void Expired(ILogger logger, string agent, string conversation, DateTimeOffset lastTurn, TimeSpan ttl);
}
