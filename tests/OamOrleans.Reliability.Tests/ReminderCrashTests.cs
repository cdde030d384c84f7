using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.RegularExpressions;
using NATS.Client.Core;
using OamOrleans.Client;
using OamOrleans.Protocol;
using OamOrleans.Testing;
using Xunit.Abstractions;

namespace OamOrleans.Reliability.Tests;

/// <summary>
/// Durable reminders with real oam-silo processes on NATS (clustering, state and reminders in JetStream KV) and the
/// sample agent <c>demo.reminder</c>, whose reminder turns count deliveries in the conversation state and publish each
/// one as an event. The silos run with a two-second minimum reminder period (<c>OAM_REMINDER_PERIOD</c>).
/// </summary>
[Trait("Category", "Integration")]
public sealed partial class ReminderCrashTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Start = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan Recovery = TimeSpan.FromSeconds(120);

    private static Dictionary<string, string> NatsSilo(string cluster) => new()
    {
        ["OAM_CLUSTERING"] = "nats",
        ["OAM_STORAGE"] = "nats",
        ["OAM_CLUSTER_ID"] = cluster,
        ["OAM_REMINDER_PERIOD"] = "2",
    };

    [Fact]
    public async Task Reminders_fire_once_across_two_silos_and_on_the_survivor_after_their_silo_is_killed()
    {
        await using var server = await NatsServer.StartAsync();
        var env = NatsSilo("reminder-kill-" + MeshIds.New()[..8]);
        await using var survivor = OamSiloProcess.Start(server.Url, env, "the surviving silo", graceful: false);
        await using var victim = OamSiloProcess.Start(server.Url, env, "the killed silo", graceful: false);
        await Task.WhenAll(OamSiloProcess.WaitUntilServingAsync(survivor, Start), OamSiloProcess.WaitUntilServingAsync(victim, Start));
        await using var events = await ReminderEvents.StartAsync(server);
        await using var client = await MeshClient.ConnectAsync(server.Url, new MeshClientOptions { EnsureBuckets = false });
        var conversations = Enumerable.Range(0, 12).Select(i => $"kill-{i}-{MeshIds.New()[..6]}").ToArray();

        // Round 1 with both silos up: each conversation's reminder fires once, on the silo that hosts the conversation.
        await Task.WhenAll(conversations.Select(c => RemindAsync(client, c, "round 1", seconds: 1)));
        await Poll.UntilAsync(() => Task.FromResult(conversations.All(c => events.Count(c, delivered: 1) > 0)), "every round-1 reminder fired", Recovery);
        var victimInstance = InstanceOf(victim);
        var onVictim = conversations.Where(c => events.Of(c).First().InstanceId == victimInstance).ToArray();
        Assert.True(onVictim.Length > 0, "no conversation ran on the silo to kill; the test proves nothing this time");

        // Round 2 due later; then the silo hosting some of the conversations dies without a word.
        await Task.WhenAll(conversations.Select(c => RemindAsync(client, c, "round 2", seconds: 6)));
        await victim.KillAsync();
        await Poll.UntilAsync(() => Task.FromResult(conversations.All(c => events.Count(c, delivered: 2) > 0)), "every round-2 reminder fired after the kill", Recovery, survivor);

        // A later reminder, due after another period has passed, before counting: a second firing would be in by then.
        await RemindAsync(client, conversations[0], "marker", seconds: 4);
        await Poll.UntilAsync(() => Task.FromResult(events.Count(conversations[0], delivered: 3) > 0), "the marker reminder fired", Recovery, survivor);

        output.WriteLine($"{onVictim.Length} of {conversations.Length} conversations were on the killed silo");
        foreach (var conversation in conversations)
        {
            Assert.Equal(1, events.Count(conversation, delivered: 1));
            Assert.Equal(1, events.Count(conversation, delivered: 2));
        }

        Assert.All(onVictim, c => Assert.NotEqual(victimInstance, events.Of(c).Single(e => e.Delivered == 2).InstanceId));
        survivor.ThrowIfExited("after the other silo was killed");
    }

    [Fact]
    public async Task A_reminder_fires_from_NATS_after_every_silo_stopped_and_a_fresh_one_started()
    {
        await using var server = await NatsServer.StartAsync();
        var env = NatsSilo("reminder-restart-" + MeshIds.New()[..8]);
        await using var events = await ReminderEvents.StartAsync(server);
        var conversation = "restart-" + MeshIds.New()[..8];

        await using (var first = OamSiloProcess.Start(server.Url, env, "the first silo"))
        {
            await OamSiloProcess.WaitUntilServingAsync(first, Start);
            await using var client = await MeshClient.ConnectAsync(server.Url, new MeshClientOptions { EnsureBuckets = false });
            await RemindAsync(client, conversation, "before the restart", seconds: 0);
            await Poll.UntilAsync(() => Task.FromResult(events.Count(conversation, delivered: 1) > 0), "the first reminder fired", Recovery, first);
            await RemindAsync(client, conversation, "after the restart", seconds: 8);
            Assert.True(await first.TerminateAsync(TimeSpan.FromSeconds(60)), "the first silo did not stop");
        }

        // No silo runs now. A fresh one finds the reminder (reminder table) and its payload and count (state) in NATS.
        await using var fresh = OamSiloProcess.Start(server.Url, env, "the fresh silo");
        await OamSiloProcess.WaitUntilServingAsync(fresh, Start);
        await Poll.UntilAsync(() => Task.FromResult(events.Count(conversation, delivered: 2) > 0), "the reminder fired on the fresh silo", Recovery, fresh);

        var fired = events.Of(conversation).Single(e => e.Delivered == 2);
        Assert.Equal("after the restart", fired.Message);
        Assert.Equal(InstanceOf(fresh), fired.InstanceId);
    }

    private static async Task RemindAsync(MeshClient client, string conversation, string message, int seconds) =>
        await client.CallAsync<JsonElement>("demo.reminder", new { message, seconds, conversation });

    /// <summary>The instance id a silo printed in its start-up summary.</summary>
    private static string InstanceOf(ChildProcess silo) =>
        InstanceLine().Match(silo.RecentOutput) is { Success: true } m ? m.Groups[1].Value : throw new InvalidOperationException($"{silo.Name} printed no instance id");

    [GeneratedRegex(@"instance:\s+([0-9a-f]+)")]
    private static partial Regex InstanceLine();

    /// <summary>Every event <c>demo.reminder</c> publishes, with the instance that published it.</summary>
    private sealed class ReminderEvents : IAsyncDisposable
    {
        private readonly ConcurrentQueue<Fired> _fired = new();
        private readonly NatsConnection _connection;
        private readonly INatsSub<byte[]> _subscription;
        private readonly Task _reading;

        private ReminderEvents(NatsConnection connection, INatsSub<byte[]> subscription)
        {
            _connection = connection;
            _subscription = subscription;
            _reading = Task.Run(ReadAsync);
        }

        public static async Task<ReminderEvents> StartAsync(NatsServer server)
        {
            var connection = server.Connect("reminder-events");
            await connection.ConnectAsync();
            return new ReminderEvents(connection, await connection.SubscribeCoreAsync<byte[]>(MeshSubjects.Events("demo.reminder")));
        }

        public IEnumerable<Fired> Of(string conversation) => _fired.Where(f => f.Conversation == conversation);

        public int Count(string conversation, int delivered) => Of(conversation).Count(f => f.Delivered == delivered);

        private async Task ReadAsync()
        {
            await foreach (var msg in _subscription.Msgs.ReadAllAsync())
            {
                var body = JsonDocument.Parse(msg.Data ?? []).RootElement;
                _fired.Enqueue(new Fired(
                    body.GetProperty("conversationId").GetString()!,
                    body.GetProperty("delivered").GetInt32(),
                    body.GetProperty("message").GetString()!,
                    msg.Headers?[MeshHeaders.InstanceId].ToString() ?? ""));
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _subscription.DisposeAsync();
            await _reading;
            await _connection.DisposeAsync();
        }
    }

    private sealed record Fired(string Conversation, int Delivered, string Message, string InstanceId);
}
