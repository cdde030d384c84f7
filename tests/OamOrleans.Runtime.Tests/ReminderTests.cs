using System.Text;
using System.Text.Json;
using NATS.Client.Core;
using OamOrleans.Hosting;
using OamOrleans.Protocol;
using OamOrleans.Samples.Agents;
using OamOrleans.Testing;
using Orleans.Hosting;
using static OamOrleans.Runtime.Tests.RawNats;

namespace OamOrleans.Runtime.Tests;

/// <summary>
/// Agent reminders on one in-process silo (Orleans' in-memory reminder service, a one-second minimum period): a reminder
/// runs as a turn of its conversation, cancels, lists, and one set by a failed turn never fires. Firing across silo
/// crashes and restarts, with the reminders in NATS, is proven with real processes (Reliability tests).
/// </summary>
[Trait("Category", "Integration")]
public sealed class ReminderTests : IAsyncLifetime
{
    private NatsServer _nats = null!;
    private TestSilo _silo = null!;
    private NatsConnection _raw = null!;

    public async Task InitializeAsync()
    {
        _nats = await NatsServer.StartAsync();
        _silo = await TestSilo.StartAsync(
            _nats.Url,
            agents: silo => silo.AddAgent<RemindersAgent>().AddAgent<ReminderAgent>(),
            storage: silo =>
            {
                silo.AddMemoryGrainStorage(MeshHostOptions.DefaultStateStorageName);
                silo.UseInMemoryReminderService();
                silo.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
            });
        _raw = _nats.Connect();
        await _raw.ConnectAsync();
    }

    public async Task DisposeAsync()
    {
        await _raw.DisposeAsync();
        await _silo.DisposeAsync();
        await _nats.DisposeAsync();
    }

    private async Task<JsonElement> TurnAsync(string conversation, object input)
    {
        var reply = await RequestAsync(_raw, "test.reminders", JsonSerializer.Serialize(input), headers: new Dictionary<string, string> { [MeshHeaders.ConversationId] = conversation });
        return Json(reply);
    }

    private static string[] Names(JsonElement reply, string property) => [.. reply.GetProperty(property).EnumerateArray().Select(e => e.GetString()!)];

    [Fact]
    public async Task A_reminder_fires_once_as_a_turn_of_its_conversation_with_its_payload()
    {
        var conversation = "fires-" + MeshIds.New();

        var set = await TurnAsync(conversation, new { op = "set", name = "soon", seconds = 0.2 });
        Assert.Equal(["soon"], Names(set, "pending"));

        await Poll.UntilAsync(async () => Names(await TurnAsync(conversation, new { op = "fired" }), "fired").Length > 0, "the reminder fired");
        // A later reminder, due after the first one's next tick (the period is one second): by the time it fired, a second
        // turn of the first one would be in the state too.
        var after = await TurnAsync(conversation, new { op = "set", name = "marker", seconds = 1.5 });
        await Poll.UntilAsync(async () => Names(await TurnAsync(conversation, new { op = "fired" }), "fired").Contains("marker:marker:id"), "the marker reminder fired");

        var fired = Names(await TurnAsync(conversation, new { op = "fired" }), "fired");
        Assert.Equal(["soon:soon:id", "marker:marker:id"], fired);
        Assert.Equal(["marker"], Names(after, "pending"));
    }

    [Fact]
    public async Task A_cancelled_reminder_never_fires_and_the_list_shows_only_what_is_pending()
    {
        var conversation = "cancel-" + MeshIds.New();
        // Due long after the cancel (a loaded machine may take seconds for the turns in between): only b may fire.
        await TurnAsync(conversation, new { op = "set", name = "a", seconds = 30 });
        var listed = await TurnAsync(conversation, new { op = "set", name = "b", seconds = 1.5 });
        Assert.Equal(["b", "a"], Names(listed, "pending")); // listed by due time

        var cancel = await TurnAsync(conversation, new { op = "cancel", name = "a" });
        var again = await TurnAsync(conversation, new { op = "cancel", name = "a" });

        Assert.True(cancel.GetProperty("cancelled").GetBoolean());
        Assert.False(again.GetProperty("cancelled").GetBoolean());
        Assert.Equal(["b"], Names(cancel, "pending"));
        await Poll.UntilAsync(async () => Names(await TurnAsync(conversation, new { op = "fired" }), "fired").Length > 0, "reminder b fired");
        Assert.Equal(["b:b:id"], Names(await TurnAsync(conversation, new { op = "fired" }), "fired"));
    }

    [Fact]
    public async Task A_reminder_set_by_a_turn_that_failed_does_not_fire()
    {
        var conversation = "rolled-back-" + MeshIds.New();
        var failed = await RequestAsync(_raw, "test.reminders", """{"op":"fail-after-set","name":"ghost","seconds":0.1}""", headers: new Dictionary<string, string> { [MeshHeaders.ConversationId] = conversation });
        Assert.Equal(MeshHeaders.StatusError, Header(failed, MeshHeaders.Status));

        await TurnAsync(conversation, new { op = "set", name = "real", seconds = 1 });
        await Poll.UntilAsync(async () => Names(await TurnAsync(conversation, new { op = "fired" }), "fired").Length > 0, "reminder real fired");

        Assert.Equal(["real:real:id"], Names(await TurnAsync(conversation, new { op = "fired" }), "fired"));
    }

    [Fact]
    public async Task Demo_reminder_publishes_an_event_subscribers_see_and_replies_to_the_callers_subject()
    {
        var conversation = "demo-" + MeshIds.New();
        var callback = "callbacks." + MeshIds.New();
        await using var events = await _raw.SubscribeCoreAsync<byte[]>(MeshSubjects.Events("demo.reminder"));
        await using var replies = await _raw.SubscribeCoreAsync<byte[]>(callback);

        var set = Json(await RequestAsync(_raw, "demo.reminder", JsonSerializer.Serialize(new { message = "stretch", seconds = 0, reply_to = callback, conversation })));
        Assert.Equal("remind-1", set.GetProperty("reminder").GetString());
        Assert.Equal(1, set.GetProperty("pending").GetInt32());

        using var timeout = new CancellationTokenSource(Poll.DefaultTimeout);
        var evt = await events.Msgs.ReadAsync(timeout.Token);
        var reply = await replies.Msgs.ReadAsync(timeout.Token);

        Assert.Equal("false", Header(evt, MeshHeaders.StreamEnd));
        Assert.True(long.Parse(Header(evt, MeshHeaders.StreamSeq), System.Globalization.CultureInfo.InvariantCulture) >= 0); // the agent's event sequence (other tests' reminders may have fired first)
        var fired = Json(evt);
        Assert.Equal("stretch", fired.GetProperty("message").GetString());
        Assert.Equal(conversation, fired.GetProperty("conversationId").GetString());
        Assert.Equal(1, fired.GetProperty("delivered").GetInt32());
        Assert.Equal(MeshHeaders.StatusOk, Header(reply, MeshHeaders.Status));
        Assert.Equal("demo.reminder", Header(reply, MeshHeaders.Source));
        Assert.Equal("stretch", Json(reply).GetProperty("message").GetString());
    }

    [Fact]
    public async Task A_send_with_a_reply_subject_gets_the_answer_there_and_later_the_reminder_turns_reply()
    {
        // A plain NATS client in the protocol's manual mode (send(reply_to=S)): a publish with reply subject S, no
        // reply_to in the input; demo.reminder keeps AgentContext.ReplyTo for its reminder turn.
        var conversation = "send-" + MeshIds.New();
        var subject = "mesh.results." + MeshIds.New();
        await using var replies = await _raw.SubscribeCoreAsync<byte[]>(subject);
        var headers = new NatsHeaders { [MeshHeaders.RequestId] = MeshIds.New(), [MeshHeaders.ReplyTo] = subject };
        await _raw.PublishAsync(MeshSubjects.Agent("demo.reminder"), Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { message = "drink", seconds = 0, conversation })), headers: headers, replyTo: subject);

        using var timeout = new CancellationTokenSource(Poll.DefaultTimeout);
        var two = new[] { await replies.Msgs.ReadAsync(timeout.Token), await replies.Msgs.ReadAsync(timeout.Token) };
        var answer = two.Single(m => Json(m).TryGetProperty("reminder", out _)); // the turn's own reply (either may come first)
        var later = two.Single(m => Json(m).TryGetProperty("message", out _));

        Assert.Equal("remind-1", Json(answer).GetProperty("reminder").GetString());
        Assert.Equal(MeshHeaders.StatusOk, Header(later, MeshHeaders.Status));
        Assert.Equal("demo.reminder", Header(later, MeshHeaders.Source));
        Assert.Equal("drink", Json(later).GetProperty("message").GetString());
        Assert.Equal(conversation, Json(later).GetProperty("conversationId").GetString());
    }

    [Fact]
    public async Task Demo_reminder_refuses_a_wait_longer_than_a_day()
    {
        var reply = await RequestAsync(_raw, "demo.reminder", """{"message":"later","seconds":100000}""");

        Assert.Equal(MeshHeaders.StatusError, Header(reply, MeshHeaders.Status));
        Assert.Contains("seconds must be between 0 and 86400", Json(reply).GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}

/// <summary>A silo without a reminder service: setting a reminder fails the turn with a message that names the fix.</summary>
[Trait("Category", "Integration")]
public sealed class ReminderWithoutServiceTests
{
    [Fact]
    public async Task RemindAsync_without_a_reminder_service_names_UseNatsReminderService()
    {
        await using var nats = await NatsServer.StartAsync();
        await using var silo = await TestSilo.StartAsync(nats.Url, agents: s => s.AddAgent<RemindersAgent>());
        await using var raw = nats.Connect();

        var reply = await RequestAsync(raw, "test.reminders", """{"op":"set","name":"x","seconds":1}""");

        Assert.Equal(MeshHeaders.StatusError, Header(reply, MeshHeaders.Status));
        Assert.Contains("UseNatsReminderService", Json(reply).GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
