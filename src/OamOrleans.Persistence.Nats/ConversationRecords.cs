using System.Text.Json;

namespace OamOrleans.Persistence.Nats;

/// <summary>Where the mesh's silos keep conversation state: the NATS grain storage's bucket and the Orleans service id.</summary>
public sealed record ConversationStoreOptions
{
    /// <summary>The grain-state KV bucket (<c>AddNatsGrainStorage</c>'s <c>BucketName</c>). Default <c>orleans-grain-state</c>.</summary>
    public string Bucket { get; init; } = "orleans-grain-state";

    /// <summary>The Orleans service id of the silos (<c>OAM_SERVICE_ID</c>). Default <c>oam</c>.</summary>
    public string ServiceId { get; init; } = "oam";
}

/// <summary>One stored conversation as a listing shows it.</summary>
/// <param name="Agent">The agent's name.</param>
/// <param name="ConversationId">The conversation.</param>
/// <param name="LastTurn">When its state was last written (the end of its last turn), UTC.</param>
/// <param name="StateBytes">The size of its stored state, in bytes.</param>
/// <param name="Revision">The KV revision of its state (a page cursor names one).</param>
public sealed record ConversationSummary(string Agent, string ConversationId, DateTimeOffset LastTurn, int StateBytes, ulong Revision);

/// <summary>One page of <see cref="NatsConversationStore.ListAsync"/>.</summary>
/// <param name="Items">The conversations of this page, in the order they were last written.</param>
/// <param name="Next">The cursor of the next page; null when this is the last.</param>
public sealed record ConversationPage(IReadOnlyList<ConversationSummary> Items, ulong? Next);

/// <summary>A pending reminder of a conversation (<c>AgentContext.RemindAsync</c>).</summary>
/// <param name="Name">The reminder's name.</param>
/// <param name="DueAt">When it is due, UTC.</param>
/// <param name="Payload">The payload its turn receives.</param>
public sealed record ConversationReminder(string Name, DateTimeOffset DueAt, JsonElement Payload);

/// <summary>One stored conversation in full.</summary>
/// <param name="Summary">Its listing entry.</param>
/// <param name="State">The agent's state, without the runtime's own fields.</param>
/// <param name="Reminders">Its pending reminders, soonest first.</param>
/// <param name="LoggedTurns">How many turns its turn log holds (request ids answered again without running).</param>
public sealed record ConversationDetails(ConversationSummary Summary, JsonElement State, IReadOnlyList<ConversationReminder> Reminders, int LoggedTurns);
