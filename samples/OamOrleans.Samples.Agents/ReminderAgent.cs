using System.Text.Json;
using OamOrleans.Client;
using OamOrleans.Protocol;

namespace OamOrleans.Samples.Agents;

/// <summary>
/// Input of <c>demo.reminder</c>: what to be reminded of and when. <c>reply_to</c> is a subject to send the reminder to
/// as well; without it, the request's own NATS reply subject is used (<c>send(reply_to=…)</c>'s subject, see
/// <see cref="AgentContext.ReplyTo"/>); <c>conversation</c> picks the conversation for clients that cannot set the header.
/// </summary>
public sealed record ReminderIn(
    string Message,
    int Seconds,
    [property: System.Text.Json.Serialization.JsonPropertyName("reply_to")] string? ReplyTo = null,
    [property: ConversationKey] string? Conversation = null);

public sealed record ReminderOut(string Reminder, DateTimeOffset DueAt, int Pending);

/// <summary>The event <c>demo.reminder</c> publishes on <c>mesh.agent.demo.reminder.events</c> when a reminder fires.</summary>
public sealed record ReminderEvent(string Message, string ConversationId, DateTimeOffset FiredAt, int Delivered);

public sealed class ReminderState
{
    /// <summary>How many reminders this conversation has delivered.</summary>
    public int Delivered { get; set; }
}

/// <summary>
/// <c>demo.reminder</c>: "remind me in N seconds". Each call sets a durable reminder on its conversation; when it fires,
/// the agent publishes a <see cref="ReminderEvent"/> that any OpenAgentMesh subscriber of the agent sees, and sends the
/// same event to the caller's <c>reply_to</c> (input field, else the request's NATS reply subject).
/// </summary>
[Agent("demo.reminder", Description = "Remind me in N seconds: publishes an event on mesh.agent.demo.reminder.events when the time has come.", Tags = ["demo", "stateful", "reminders"])]
public sealed class ReminderAgent : ConversationalAgent<ReminderIn, ReminderOut, ReminderState>
{
    /// <summary>The longest wait accepted: one day.</summary>
    public const int MaxSeconds = 86_400;

    protected override async Task<ReminderOut> HandleAsync(ReminderIn input, AgentContext context)
    {
        if (input.Seconds is < 0 or > MaxSeconds)
        {
            throw new MeshException(MeshErrorCodes.InvalidInput, $"seconds must be between 0 and {MaxSeconds}, was {input.Seconds}");
        }

        var name = "remind-" + (context.ListReminders().Count + 1 + State.Delivered);
        await context.RemindAsync(name, TimeSpan.FromSeconds(input.Seconds), new Pending(input.Message, input.ReplyTo ?? context.ReplyTo));
        var pending = context.ListReminders();
        return new ReminderOut(name, pending.Single(r => r.Name == name).DueAt, pending.Count);
    }

    protected override async Task OnReminderAsync(string name, JsonElement payload, AgentContext context)
    {
        var pending = payload.Deserialize<Pending>(MeshJson.AgentOptions)!;
        State.Delivered++;
        var fired = new ReminderEvent(pending.Message, context.ConversationId, DateTimeOffset.UtcNow, State.Delivered);
        await context.PublishEventAsync(fired);
        if (pending.ReplyTo is { } replyTo)
        {
            await context.ReplyToAsync(replyTo, fired);
        }
    }

    private sealed record Pending(string Message, string? ReplyTo);
}
