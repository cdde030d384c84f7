using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using NATS.Client.Core;
using NATS.Net;
using OamOrleans.Client;
using OamOrleans.Hosting;
using OamOrleans.Persistence.Nats;
using OamOrleans.Protocol;
using OamOrleans.Testing;
using Xunit.Abstractions;
using static OamOrleans.Runtime.Tests.RawNats;

namespace OamOrleans.Runtime.Tests;

/// <summary>Input of <c>test.lifecycle</c>: <c>op</c> is count, end, or wait (count once the test opens its gate).</summary>
public sealed record LifecycleIn(string Op);

public sealed record LifecycleOut(int Count);

public sealed class LifecycleState
{
    public int Count { get; set; }
}

/// <summary><c>test.lifecycle</c>: counts turns; <c>end</c> ends the conversation; <c>wait</c> holds its turn until the test opens the conversation's gate.</summary>
[Agent("test.lifecycle", Description = "Counts turns, ends its conversation, or waits for a test's gate.")]
public sealed class LifecycleAgent : ConversationalAgent<LifecycleIn, LifecycleOut, LifecycleState>
{
    /// <summary>The gates of <c>wait</c> turns, by conversation, opened by the test.</summary>
    public static readonly ConcurrentDictionary<string, TaskCompletionSource> Gates = new();

    protected override async Task<LifecycleOut> HandleAsync(LifecycleIn input, AgentContext context)
    {
        if (input.Op == "wait")
        {
            await Gates.GetOrAdd(context.ConversationId, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }

        State.Count++;
        if (input.Op == "end")
        {
            await context.RemindAsync("never", TimeSpan.FromMinutes(5));
            context.EndConversation();
        }

        return new LifecycleOut(State.Count);
    }
}

/// <summary>
/// Conversations stored in JetStream KV: ended by their agent, deleted by an operator while a turn is in flight, and
/// listed page by page through <see cref="NatsConversationStore"/>.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ConversationLifecycleTests(ITestOutputHelper output) : IAsyncLifetime
{
    private NatsServer _nats = null!;
    private TestSilo _silo = null!;
    private NatsConnection _raw = null!;
    private NatsConversationStore _conversations = null!;

    public async Task InitializeAsync()
    {
        _nats = await NatsServer.StartAsync();
        _silo = await TestSilo.StartAsync(
            _nats.Url,
            agents: silo => silo.AddAgent<LifecycleAgent>(),
            storage: silo =>
            {
                silo.AddNatsGrainStorage(MeshHostOptions.DefaultStateStorageName, _nats.Url);
                silo.UseInMemoryReminderService();
            });
        _raw = _nats.Connect();
        await _raw.ConnectAsync();
        // TestSilo's localhost clustering keeps Orleans' default service id, "default" (oam-silo's is "oam").
        _conversations = new NatsConversationStore(_raw, new ConversationStoreOptions { ServiceId = "default" });
    }

    public async Task DisposeAsync()
    {
        await _raw.DisposeAsync();
        await _silo.DisposeAsync();
        await _nats.DisposeAsync();
    }

    private async Task<NatsMsg<byte[]>> TurnAsync(string conversation, string op) =>
        await RequestAsync(_raw, "test.lifecycle", JsonSerializer.Serialize(new { op }), headers: new Dictionary<string, string> { [MeshHeaders.ConversationId] = conversation });

    private async Task<int> CountAsync(string conversation, string op = "count") => Json(await TurnAsync(conversation, op)).GetProperty("count").GetInt32();

    [Fact]
    public async Task A_conversation_its_agent_ends_answers_then_leaves_no_state_and_starts_anew()
    {
        var conversation = "ends-" + MeshIds.New();
        Assert.Equal(1, await CountAsync(conversation));
        Assert.NotNull(await _conversations.GetAsync("test.lifecycle", conversation));

        Assert.Equal(2, await CountAsync(conversation, "end")); // the reply of the ending turn still leaves

        Assert.Null(await _conversations.GetAsync("test.lifecycle", conversation));
        Assert.Equal(1, await CountAsync(conversation));
        var details = await _conversations.GetAsync("test.lifecycle", conversation);
        Assert.NotNull(details);
        Assert.Empty(details.Reminders); // the ended conversation's reminder went with it
    }

    [Fact]
    public async Task Deleting_a_conversation_while_its_turn_is_in_flight_does_not_bring_the_state_back()
    {
        var conversation = "deleted-" + MeshIds.New();
        Assert.Equal(1, await CountAsync(conversation));
        var gate = LifecycleAgent.Gates.GetOrAdd(conversation, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));
        var inFlight = TurnAsync(conversation, "wait");
        await Poll.UntilAsync(() => Task.FromResult(!inFlight.IsCompleted && LifecycleAgent.Gates.ContainsKey(conversation)), "the waiting turn is in flight");

        Assert.True(await _conversations.DeleteAsync("test.lifecycle", conversation));
        gate.SetResult();
        var answer = await inFlight;

        Assert.Equal(MeshHeaders.StatusError, Header(answer, MeshHeaders.Status));
        Assert.Equal(MeshErrorCodes.NotAvailable, Json(answer).GetProperty("code").GetString());
        Assert.Null(await _conversations.GetAsync("test.lifecycle", conversation));
        Assert.False(await _conversations.DeleteAsync("test.lifecycle", conversation));
        LifecycleAgent.Gates.TryRemove(conversation, out _);
        Assert.Equal(1, await CountAsync(conversation)); // a new conversation, not the deleted count
    }

    [Fact]
    public async Task Conversations_written_by_the_agent_are_listed_and_shown_with_time_size_and_state()
    {
        var ids = new[] { "list-a." + MeshIds.New(), "list b/" + MeshIds.New() }; // a dot and a space need escaping
        foreach (var id in ids)
        {
            await CountAsync(id);
        }

        await CountAsync(ids[1]);

        var page = await _conversations.ListAsync("test.lifecycle", limit: 1000);
        var listed = page.Items.Where(i => ids.Contains(i.ConversationId)).ToList();

        Assert.Equal(ids.Order(), listed.Select(i => i.ConversationId).Order());
        Assert.All(listed, i => Assert.True(i.StateBytes > 0 && i.LastTurn > DateTimeOffset.UtcNow.AddMinutes(-5)));
        var shown = await _conversations.GetAsync("test.lifecycle", ids[1]);
        Assert.Equal(2, shown!.State.GetProperty("count").GetInt32());
        Assert.False(shown.State.TryGetProperty("oam_log", out _));
        Assert.Equal(2, shown.LoggedTurns);
    }

    [Fact]
    public async Task Ten_thousand_conversations_are_listed_page_by_page_each_once()
    {
        const int total = 10_000;
        var store = await _raw.CreateKeyValueStoreContext().GetStoreAsync(new ConversationStoreOptions().Bucket);
        var agent = "test.many" + MeshIds.New()[..6];
        // Written straight into the bucket with the storage's key shape (proven against real turns above): 10,000 turns
        // through an agent would test the silo's throughput, not the listing.
        var prefix = "default." + ("oam." + agent).Replace(".", "=2E", StringComparison.Ordinal) + ".";
        var body = """{"count":1}"""u8.ToArray();
        var writes = Stopwatch.StartNew();
        for (var i = 0; i < total; i += 500)
        {
            await Task.WhenAll(Enumerable.Range(i, 500).Select(n => store.PutAsync($"{prefix}c{n}.conversation", body).AsTask()));
        }

        writes.Stop();
        var listing = Stopwatch.StartNew();
        var seen = new HashSet<string>();
        var pages = 0;
        ulong after = 0;
        while (true)
        {
            var page = await _conversations.ListAsync(agent, after, NatsConversationStore.MaxPageSize);
            pages++;
            Assert.True(page.Items.Count <= NatsConversationStore.MaxPageSize);
            Assert.All(page.Items, i => Assert.True(seen.Add(i.ConversationId), $"{i.ConversationId} listed twice"));
            if (page.Next is not { } next)
            {
                break;
            }

            after = next;
        }

        listing.Stop();
        output.WriteLine($"wrote {total} states in {writes.ElapsedMilliseconds} ms; listed them in {pages} pages in {listing.ElapsedMilliseconds} ms");
        Assert.Equal(total, seen.Count);
        Assert.Equal(total / NatsConversationStore.MaxPageSize, pages);
    }

    [Fact]
    public async Task Listing_ends_and_shows_each_conversation_once_while_one_is_rewritten_all_the_time()
    {
        var store = await _raw.CreateKeyValueStoreContext().GetStoreAsync(new ConversationStoreOptions().Bucket);
        var agent = "test.busy" + MeshIds.New()[..6];
        var prefix = "default." + ("oam." + agent).Replace(".", "=2E", StringComparison.Ordinal) + ".";
        var body = """{"count":1}"""u8.ToArray();
        for (var n = 0; n < 5; n++)
        {
            await store.PutAsync($"{prefix}c{n}.conversation", body);
        }

        using var stop = new CancellationTokenSource();
        var rewrites = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await store.PutAsync($"{prefix}hot.conversation", body); // as fast as the server takes it
            }
        });
        try
        {
            for (var round = 0; round < 20; round++)
            {
                var page = await _conversations.ListAsync(agent, limit: NatsConversationStore.MaxPageSize);
                Assert.Null(page.Next);
                Assert.Equal(page.Items.Count, page.Items.Select(i => i.ConversationId).Distinct().Count());
            }
        }
        finally
        {
            await stop.CancelAsync();
            await rewrites;
        }
    }
}
