using System.Text.Json;
using Microsoft.Extensions.Hosting;
using OamOrleans.Client;
using OamOrleans.Hosting;
using OamOrleans.Persistence.Nats;

namespace OamOrleans.Docs.Snippets;

#region FollowUpAgent
public sealed record TicketIn(string Question, [property: ConversationKey] string? Conversation = null);
public sealed record TicketOut(string Answer);
public sealed class TicketState { public string? LastQuestion { get; set; } public int FollowUps { get; set; } }

[Agent("support.ticket", Description = "Answers, then checks back an hour later.")]
public sealed class TicketAgent : ConversationalAgent<TicketIn, TicketOut, TicketState>
{
    protected override async Task<TicketOut> HandleAsync(TicketIn input, AgentContext context)
    {
        State.LastQuestion = input.Question;
        await context.CancelReminderAsync("follow-up");                              // a new question restarts the wait
        await context.RemindAsync("follow-up", TimeSpan.FromHours(1), new { input.Question });
        return new TicketOut($"Looking into: {input.Question}");
    }

    // Runs as a turn of the same conversation: state loaded, middleware, span, metrics and logs as for a request.
    protected override async Task OnReminderAsync(string name, JsonElement payload, AgentContext context)
    {
        State.FollowUps++;
        await context.PublishEventAsync(new { conversation = context.ConversationId, question = payload.GetProperty("question").GetString() });
        if (State.FollowUps >= 3)
        {
            context.EndConversation();                                                // deletes the state after this turn
        }
    }
}
#endregion

#region ExpiringAgent
[Agent("support.chat", Description = "A support chat; a conversation idle for a week is forgotten.", StateTtl = "7.00:00:00")]
public sealed class SupportChatAgent : ConversationalAgent<TicketIn, TicketOut, TicketState>
{
    protected override Task<TicketOut> HandleAsync(TicketIn input, AgentContext context)
    {
        State.LastQuestion = input.Question;                                        // kept 7 days after the last turn
        return Task.FromResult(new TicketOut($"Noted: {input.Question}"));
    }
}
#endregion

public static class ReminderHosting
{
    public static void Sweep(ISiloBuilder silo)
    {
        #region SweepInterval
        silo.Configure<ConversationExpiryOptions>(o =>
        {
            o.SweepInterval = TimeSpan.FromMinutes(5);                             // default 1 minute
            o.StateBucket = "orleans-grain-state";                                  // AddNatsGrainStorage's BucketName
        });
        #endregion
    }

    public static void Host(string[] args)
    {
        #region HostReminders
        var url = "nats://nats:4222";
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(args);
        builder.UseOrleans(silo => silo
            .AddOpenAgentMesh(url)                                             // the mesh's NATS, which the providers use too
            .UseNatsClustering()
            .AddNatsGrainStorage("oam-state")
            .UseNatsReminderService(o => o.Replicas = 3)                       // reminders in JetStream KV, 3 replicas like the mesh's buckets
            .AddAgentsFromAssembly(typeof(TicketAgent).Assembly));
        #endregion
    }

    public static async Task ListAsync(MeshClient client)
    {
        #region ListConversations
        var conversations = new NatsConversationStore(client.Connection, new ConversationStoreOptions { ServiceId = "oam" });
        ulong after = 0;
        do
        {
            var page = await conversations.ListAsync("support.ticket", after, limit: 500);  // 500 entries in memory at most
            foreach (var c in page.Items)
            {
                Console.WriteLine($"{c.ConversationId}  {c.LastTurn:u}  {c.StateBytes} B");
            }

            after = page.Next ?? 0;
        }
        while (after != 0);

        var one = await conversations.GetAsync("support.ticket", "ticket-42");        // state, pending reminders, turn log size
        await conversations.DeleteAsync("support.ticket", "ticket-42");               // e.g. a data-removal request
        #endregion
        GC.KeepAlive(one);
    }
}

#region GrainTimer
[Agent("demo.typing", Description = "Shows an in-memory timer.")]
public sealed class TypingAgent : ConversationalAgent<TicketIn, TicketOut, TicketState>
{
    private IGrainTimer? _typing;

    protected override Task<TicketOut> HandleAsync(TicketIn input, AgentContext context)
    {
        // An Orleans grain timer: cheap and sub-second, but it lives in this activation only. It stops when the
        // conversation deactivates (idle, silo stop or crash) and is not restored: use RemindAsync for anything that must happen.
        _typing ??= this.RegisterGrainTimer(() => context.PublishEventAsync(new { typing = true }), TimeSpan.Zero, TimeSpan.FromSeconds(2));
        return Task.FromResult(new TicketOut("…"));
    }
}
#endregion
