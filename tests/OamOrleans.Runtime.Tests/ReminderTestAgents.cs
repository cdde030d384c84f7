using System.Text.Json;
using OamOrleans.Client;
using OamOrleans.Protocol;

namespace OamOrleans.Runtime.Tests;

/// <summary>Input of <c>test.reminders</c>: <c>op</c> is set, cancel, list, fired or fail-after-set.</summary>
public sealed record RemindersIn(string Op, string? Name = null, double Seconds = 0);

public sealed record RemindersOut(bool Cancelled, string[] Pending, string[] Fired);

public sealed class RemindersState
{
    public List<string> Fired { get; set; } = [];
}

/// <summary>
/// <c>test.reminders</c>: sets, cancels and lists its conversation's reminders; each firing is recorded in the state
/// with the payload it carried, so a test sees which fired and how often.
/// </summary>
[Agent("test.reminders", Description = "Sets, cancels and lists reminders; records which fired.")]
public sealed class RemindersAgent : ConversationalAgent<RemindersIn, RemindersOut, RemindersState>
{
    protected override async Task<RemindersOut> HandleAsync(RemindersIn input, AgentContext context)
    {
        var cancelled = false;
        switch (input.Op)
        {
            case "set":
                await context.RemindAsync(input.Name!, TimeSpan.FromSeconds(input.Seconds), new { name = input.Name });
                break;
            case "fail-after-set":
                await context.RemindAsync(input.Name!, TimeSpan.FromSeconds(input.Seconds), new { name = input.Name });
                throw new MeshException(MeshErrorCodes.HandlerError, "this turn fails after setting a reminder");
            case "cancel":
                cancelled = await context.CancelReminderAsync(input.Name!);
                break;
        }

        return new RemindersOut(cancelled, [.. context.ListReminders().Select(r => r.Name)], [.. State.Fired]);
    }

    protected override Task OnReminderAsync(string name, JsonElement payload, AgentContext context)
    {
        // The payload round-trips, and the turn's request id is the reminder's registration id.
        State.Fired.Add($"{name}:{payload.GetProperty("name").GetString()}:{(context.RequestId.Length > 0 ? "id" : "no-id")}");
        return Task.CompletedTask;
    }
}
