using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OamOrleans.Bridge;
using OamOrleans.Internal;
using OamOrleans.Pipeline;
using OamOrleans.Protocol;
using Orleans.Hosting;
using Orleans.Timers;

namespace OamOrleans;

/// <summary>
/// Reminders of a conversation. Each one is an Orleans reminder of this grain plus a pending entry in the conversation's
/// stored state (payload, due time, registration id). The Orleans reminder is registered at once and repeats every
/// <see cref="ReminderOptions.MinimumReminderPeriod"/> until its turn succeeded; the turn runs only while the pending
/// entry is in the state and removes it in the same state write, so a tick after a crash, a second silo's tick or the
/// tick of a reminder whose turn was rolled back runs nothing (the reminder is then unregistered).
/// </summary>
public abstract partial class ConversationalAgent<TIn, TOut, TState> : IRemindable, IConversationTurnHost
{
    // Per agent type (a static of a generic class): X-Mesh-Stream-Seq of the events this agent publishes from turns.
    private static long s_eventSequence = -1;

    /// <summary>
    /// Runs when a reminder set with <see cref="AgentContext.RemindAsync"/> fires, as a turn of this conversation: the
    /// state is loaded, middleware, span, metrics and logs apply, and returning saves the state. Throwing rolls the turn
    /// back and the reminder fires again one reminder period later. The default does nothing.
    /// </summary>
    /// <param name="name">The reminder's name.</param>
    /// <param name="payload">The payload given to <see cref="AgentContext.RemindAsync"/> (<c>{}</c> when none).</param>
    /// <param name="context">The turn's context; its request id is the reminder's registration id.</param>
    protected virtual Task OnReminderAsync(string name, JsonElement payload, AgentContext context) => Task.CompletedTask;

    async Task IRemindable.ReceiveReminder(string reminderName, TickStatus status)
    {
        await ExpireIfIdleAsync(); // an expired conversation's reminders are dropped with its state
        if (!Snapshot.Reminders.TryGetValue(reminderName, out var pending))
        {
            // Delivered already (a tick after a crash or from a second silo), cancelled, or set by a turn that failed.
            var conversation = this.GetPrimaryKeyString();
            ReminderLog.Stale(Logger, AgentName, conversation, reminderName);
            await UnregisterAsync(reminderName);
            return;
        }

        var outcome = await RunReminderTurnAsync(reminderName, pending);
        var replaced = Snapshot.Reminders.TryGetValue(reminderName, out var now) && now.Id != pending.Id;
        if (!outcome.IsError && !replaced)
        {
            await UnregisterAsync(reminderName);
        }
    }

    private Task<AgentOutcome> RunReminderTurnAsync(string name, PendingReminder pending)
    {
        var conversation = this.GetPrimaryKeyString();
        async Task<AgentOutcome> TurnAsync()
        {
            var context = CreateContext(pending.Id, conversation);
            context.TurnHost = this;
            try
            {
                using (var payload = JsonDocument.Parse(pending.Payload))
                {
                    await OnReminderAsync(name, payload.RootElement, context);
                }

                if (Snapshot.Reminders.TryGetValue(name, out var current) && current.Id == pending.Id)
                {
                    Snapshot.Reminders.Remove(name); // delivered: in the same write as the turn's state
                }

                await SaveAsync(conversation);
                return AgentOutcome.Reply("{}"u8.ToArray(), context.UsageJson);
            }
            catch (Exception e)
            {
                ReminderLog.TurnFailed(Logger, e, AgentName, conversation, name);
                await OnFailedTurnAsync();
                return AgentOutcome.Failure(ErrorFor(e), context.UsageJson);
            }
        }

        var pipeline = Services.Pipeline;
        return pipeline.RunAsync(AgentCall.Own(Services.Describe(AgentName, GetType()), pending.Payload, pending.Id, conversation, pipeline.Limits.RequestTimeout, (_, _) => TurnAsync()));
    }

    async Task IConversationTurnHost.RemindAsync(string name, TimeSpan dueIn, byte[] payload)
    {
        if (ServiceProvider.GetService<IReminderRegistry>() is null)
        {
            throw new InvalidOperationException(
                $"Agent '{AgentName}' set reminder '{name}' but this silo has no reminder service: add siloBuilder.UseNatsReminderService(url) (reminders survive restarts) or UseInMemoryReminderService() (one silo, lost when it stops).");
        }

        Snapshot.Reminders[name] = new PendingReminder(MeshIds.New(), DateTimeOffset.UtcNow + dueIn, payload);
        await this.RegisterOrUpdateReminder(name, dueIn, RetryPeriod);
    }

    async Task<bool> IConversationTurnHost.CancelReminderAsync(string name)
    {
        var pending = Snapshot.Reminders.Remove(name);
        if (ServiceProvider.GetService<IReminderRegistry>() is not null)
        {
            await UnregisterAsync(name);
        }

        return pending;
    }

    IReadOnlyList<AgentReminder> IConversationTurnHost.ListReminders() =>
        [.. Snapshot.Reminders.OrderBy(r => r.Value.DueAt).Select(r => new AgentReminder(r.Key, r.Value.DueAt, System.Text.Encoding.UTF8.GetString(r.Value.Payload)))];

    async Task IConversationTurnHost.PublishEventAsync(byte[] payload) =>
        await Publisher.FrameAsync(MeshSubjects.Events(AgentName), Interlocked.Increment(ref s_eventSequence), payload, requestId: null);

    async Task IConversationTurnHost.ReplyToAsync(string replyTo, byte[] payload, string requestId) =>
        await Publisher.ReplyAsync(replyTo, AgentName, requestId, this.GetPrimaryKeyString(), payload, usage: null);

    private MeshPublisher Publisher => Services.Publisher;

    /// <summary>How often an undelivered reminder fires again: Orleans' minimum reminder period (1 minute by default).</summary>
    private TimeSpan RetryPeriod
    {
        get
        {
            var minimum = ServiceProvider.GetService<IOptions<ReminderOptions>>()?.Value.MinimumReminderPeriod ?? TimeSpan.FromMinutes(1);
            return minimum > TimeSpan.FromSeconds(1) ? minimum : TimeSpan.FromSeconds(1);
        }
    }

    private async Task UnregisterAsync(string name)
    {
        if (await this.GetReminder(name) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    private ILogger Logger => ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger<AgentGrain>();
}

internal static partial class ReminderLog
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "Reminder {Reminder} of agent '{Agent}' conversation {Conversation} fired with nothing pending (delivered, cancelled or rolled back); unregistered")]
    public static partial void Stale(ILogger logger, string agent, string conversation, string reminder);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reminder {Reminder} of agent '{Agent}' conversation {Conversation} failed its turn; it fires again one reminder period later")]
    public static partial void TurnFailed(ILogger logger, Exception exception, string agent, string conversation, string reminder);
}
