using OamOrleans.Protocol;

namespace OamOrleans;

public sealed partial class AgentContext
{
    /// <summary>The conversation grain running this turn; null for agents that keep no conversation state.</summary>
    internal IConversationTurnHost? TurnHost { get; set; }

    private IConversationTurnHost Host(string what) => TurnHost
        ?? throw new InvalidOperationException($"{what} needs a conversation: agent '{AgentName}' is not a ConversationalAgent, or this context's turn has ended.");

    /// <summary>
    /// Wakes this conversation up after <paramref name="dueIn"/>: the agent's <c>OnReminderAsync</c> then runs as a turn of
    /// this conversation with <paramref name="payload"/> (serialized as JSON now). The reminder is an Orleans reminder,
    /// so it survives deactivation and silo restarts when the silo keeps reminders in NATS (<c>UseNatsReminderService</c>).
    /// Setting a reminder whose name is pending replaces it. Delivery is at least once (see docs/reminders.md).
    /// </summary>
    /// <param name="name">The reminder's name within this conversation (1–100 characters).</param>
    /// <param name="dueIn">How long from now; zero or more.</param>
    /// <param name="payload">What the reminder turn receives; null sends <c>{}</c>.</param>
    public Task RemindAsync(string name, TimeSpan dueIn, object? payload = null)
    {
        CheckReminderName(name);
        if (dueIn < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(dueIn), dueIn, "A reminder is due now or later, not in the past.");
        }

        return Host(nameof(RemindAsync)).RemindAsync(name, dueIn, AgentJson.SerializeOutput(payload));
    }

    /// <summary>Cancels this conversation's pending reminder <paramref name="name"/>; false when there was none.</summary>
    public Task<bool> CancelReminderAsync(string name)
    {
        CheckReminderName(name);
        return Host(nameof(CancelReminderAsync)).CancelReminderAsync(name);
    }

    /// <summary>This conversation's pending reminders, soonest first.</summary>
    public IReadOnlyList<AgentReminder> ListReminders() => Host(nameof(ListReminders)).ListReminders();

    /// <summary>
    /// Publishes <paramref name="payload"/> as an event of this agent on <c>mesh.agent.{name}.events</c>, framed like a
    /// publisher's events, so any OpenAgentMesh subscriber of the agent (or of its channel) receives it.
    /// </summary>
    public Task PublishEventAsync(object payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        return Host(nameof(PublishEventAsync)).PublishEventAsync(AgentJson.SerializeOutput(payload));
    }

    /// <summary>
    /// Sends <paramref name="payload"/> to <paramref name="replyTo"/> as a reply of this agent (status ok, this turn's request
    /// id): how a reminder turn answers a callback subject the original caller gave (the protocol's <c>send(reply_to=…)</c>).
    /// </summary>
    public Task ReplyToAsync(string replyTo, object payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        if (string.IsNullOrWhiteSpace(replyTo) || replyTo.Contains(' ', StringComparison.Ordinal) || replyTo.Contains('*', StringComparison.Ordinal) || replyTo.Contains('>', StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{replyTo}' is not a NATS subject to reply to (no spaces or wildcards).", nameof(replyTo));
        }

        return Host(nameof(ReplyToAsync)).ReplyToAsync(replyTo, AgentJson.SerializeOutput(payload), RequestId);
    }

    /// <summary>
    /// Ends this conversation when the turn succeeds: instead of saving the state, its stored state (turn log included) is
    /// deleted and its pending reminders are cancelled, before the reply leaves. The next request with this conversation id
    /// starts a new conversation. A turn that throws ends nothing.
    /// </summary>
    public void EndConversation() => Host(nameof(EndConversation)).EndConversation();

    private static void CheckReminderName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 100)
        {
            throw new ArgumentException("A reminder name has 1 to 100 characters.", nameof(name));
        }
    }
}

/// <summary>A pending reminder of a conversation, as <see cref="AgentContext.ListReminders"/> gives it.</summary>
/// <param name="Name">The reminder's name.</param>
/// <param name="DueAt">When it is due (UTC).</param>
/// <param name="Payload">The payload JSON its turn receives (<c>{}</c> when none was given).</param>
public sealed record AgentReminder(string Name, DateTimeOffset DueAt, string Payload);

/// <summary>What a conversation grain offers the context of its turns.</summary>
internal interface IConversationTurnHost
{
    Task RemindAsync(string name, TimeSpan dueIn, byte[] payload);

    Task<bool> CancelReminderAsync(string name);

    IReadOnlyList<AgentReminder> ListReminders();

    Task PublishEventAsync(byte[] payload);

    Task ReplyToAsync(string replyTo, byte[] payload, string requestId);

    void EndConversation();
}
