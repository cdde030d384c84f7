using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using NATS.Client.KeyValueStore;
using NATS.Net;
using OamOrleans.Client;
using OamOrleans.Expiry;
using OamOrleans.Hosting;
using OamOrleans.Nats;
using OamOrleans.Persistence.Nats;
using OamOrleans.Protocol;
using OamOrleans.Testing;
using Orleans.Configuration;
using static OamOrleans.Runtime.Tests.RawNats;

namespace OamOrleans.Runtime.Tests;

/// <summary>Turns of <c>test.expiring</c> (state TTL 2 s) and what its stored conversations look like.</summary>
internal sealed class ExpiringConversations(INatsConnection nats, NatsConversationStore conversations)
{
    public const string Agent = "test.expiring";
    public static readonly TimeSpan Ttl = TimeSpan.FromSeconds(2);

    public NatsConversationStore Stored => conversations;

    public Task<int> CountAsync(string conversation) => CountAsync(nats, conversation);

    /// <summary>One turn of <paramref name="conversation"/> by a plain NATS request; its count.</summary>
    public static async Task<int> CountAsync(INatsConnection nats, string conversation)
    {
        var answer = await RequestAsync(nats, Agent, "{}", headers: new Dictionary<string, string> { [MeshHeaders.ConversationId] = conversation });
        Assert.False(HasHeader(answer, MeshHeaders.Status) && Header(answer, MeshHeaders.Status) == MeshHeaders.StatusError, $"turn of {conversation} failed: {System.Text.Encoding.UTF8.GetString(answer.Data ?? [])}");
        return Json(answer).GetProperty("count").GetInt32();
    }

    public async Task<int?> StoredCountAsync(string conversation) =>
        await conversations.GetAsync(Agent, conversation) is { } details
            ? details.State.EnumerateObject().Single(p => p.NameEquals("count") || p.NameEquals("Count")).Value.GetInt32()
            : null;

    /// <summary>Waits until the conversation's last write lies more than the TTL in the past.</summary>
    public async Task WaitUntilExpiredAsync(string conversation)
    {
        var written = (await conversations.GetAsync(Agent, conversation))!.Summary.LastTurn;
        await Poll.UntilAsync(() => Task.FromResult(DateTimeOffset.UtcNow - written > Ttl + TimeSpan.FromMilliseconds(100)), $"conversation {conversation} is idle for longer than its TTL");
    }
}

/// <summary>
/// Idle expiry with the sweeper running: two silos keeping state in JetStream KV, sweeping every 200 ms.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ConversationExpirySweepTests : OwnNatsServerTests
{
    private readonly RecordingLoggerProvider _sweeperLog = new("OamOrleans.Expiry");
    private TestSiloCluster _cluster = null!;
    private NatsConnection _raw = null!;
    private ExpiringConversations _agent = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _cluster = await TestSiloCluster.StartAsync(
            Nats.Url,
            silos: 2,
            agentsOf: _ => silo => silo.AddAgent<ExpiringAgent>().Configure<ConversationExpiryOptions>(o => o.SweepInterval = TimeSpan.FromMilliseconds(200)),
            storage: silo => silo.AddNatsGrainStorage(MeshHostOptions.DefaultStateStorageName, Nats.Url),
            log: _sweeperLog);
        _raw = Nats.Connect();
        await _raw.ConnectAsync();
        var serviceId = _cluster.ServicesOf(0).GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId;
        _agent = new ExpiringConversations(_raw, new NatsConversationStore(_raw, new ConversationStoreOptions { ServiceId = serviceId }));
    }

    public override async Task DisposeAsync()
    {
        await _raw.DisposeAsync();
        await _cluster.DisposeAsync();
        await base.DisposeAsync();
    }

    [Fact]
    public async Task An_idle_conversation_is_swept_from_KV_and_starts_fresh_while_one_touched_within_its_TTL_survives()
    {
        var idle = "idle-" + MeshIds.New();
        var touched = "touched-" + MeshIds.New();
        Assert.Equal(1, await _agent.CountAsync(idle));
        Assert.Equal(2, await _agent.CountAsync(idle));
        var counts = new List<int> { await _agent.CountAsync(touched) };

        // Each poll touches the other conversation (every 250 ms, well within its 2 s TTL).
        try
        {
            await Poll.UntilAsync(
                async () =>
                {
                    counts.Add(await _agent.CountAsync(touched));
                    return await _agent.Stored.GetAsync(ExpiringConversations.Agent, idle) is null;
                },
                "the sweeper deleted the idle conversation's state",
                timeout: TimeSpan.FromSeconds(30),
                interval: TimeSpan.FromMilliseconds(250));
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\nThe sweepers logged:\n{_sweeperLog.Lines}", e);
        }

        Assert.Equal(Enumerable.Range(1, counts.Count), counts); // never reset: the touched conversation kept its state throughout
        Assert.Equal(counts.Count, await _agent.StoredCountAsync(touched));
        Assert.Equal(1, await _agent.CountAsync(idle)); // the swept conversation starts anew (its activation may still be alive)
        Assert.Equal(1, await _agent.StoredCountAsync(idle));
    }
}

/// <summary>
/// Idle expiry without a sweep in the way (this silo sweeps once a day): a turn never uses expired state, and the
/// sweep's steps run by the test around a turn's write, in both orders.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ConversationExpiryTurnTests : OwnNatsServerTests
{
    private TestSilo _silo = null!;
    private NatsConnection _raw = null!;
    private ExpiringConversations _agent = null!;
    private INatsKVStore _store = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _silo = await TestSilo.StartAsync(
            Nats.Url,
            agents: silo => silo.AddAgent<ExpiringAgent>().Configure<ConversationExpiryOptions>(o => o.SweepInterval = TimeSpan.FromDays(1)),
            storage: silo => silo.AddNatsGrainStorage(MeshHostOptions.DefaultStateStorageName, Nats.Url));
        _raw = Nats.Connect();
        await _raw.ConnectAsync();
        // TestSilo's localhost clustering keeps Orleans' default service id.
        _agent = new ExpiringConversations(_raw, new NatsConversationStore(_raw, new ConversationStoreOptions { ServiceId = "default" }));
        _store = await _raw.CreateKeyValueStoreContext().GetStoreAsync(ConversationExpiryOptions.DefaultStateBucket);
    }

    public override async Task DisposeAsync()
    {
        await _raw.DisposeAsync();
        await _silo.DisposeAsync();
        await base.DisposeAsync();
    }

    [Fact]
    public async Task A_turn_after_the_TTL_starts_from_a_new_state_before_any_sweep_and_replaces_the_stored_one()
    {
        var conversation = "logical-" + MeshIds.New();
        Assert.Equal(1, await _agent.CountAsync(conversation));
        Assert.Equal(2, await _agent.CountAsync(conversation));
        await _agent.WaitUntilExpiredAsync(conversation);
        Assert.Equal(2, await _agent.StoredCountAsync(conversation)); // still stored: nothing swept it

        Assert.Equal(1, await _agent.CountAsync(conversation)); // the live activation held count 2 in memory and did not use it
        Assert.Equal(1, await _agent.StoredCountAsync(conversation));
        Assert.Equal(2, await _agent.CountAsync(conversation));
    }

    [Fact]
    public async Task A_turn_that_writes_between_the_sweeps_read_and_its_delete_keeps_its_state()
    {
        var conversation = "race-" + MeshIds.New();
        Assert.Equal(1, await _agent.CountAsync(conversation));
        await _agent.WaitUntilExpiredAsync(conversation);
        var page = await KvStateSweep.FindExpiredAsync(_store, ConversationKeys.Filter("default", ExpiringConversations.Agent), ExpiringConversations.Ttl, after: 0, pageSize: 1000, CancellationToken.None);
        var found = page.Expired.Where(e => e.Key.Contains(conversation, StringComparison.Ordinal)).ToList();
        Assert.Single(found);

        Assert.Equal(1, await _agent.CountAsync(conversation)); // a turn writes after the sweep read the entry
        Assert.Equal((0, 1), await KvStateSweep.DeleteAsync(_store, found, CancellationToken.None));

        Assert.Equal(1, await _agent.StoredCountAsync(conversation));
        Assert.Equal(2, await _agent.CountAsync(conversation)); // the turn's state is the live one
    }

    [Fact]
    public async Task A_conversation_swept_under_its_live_activation_answers_its_next_turn_from_a_new_state()
    {
        var conversation = "swept-" + MeshIds.New();
        Assert.Equal(1, await _agent.CountAsync(conversation));
        Assert.Equal(2, await _agent.CountAsync(conversation));
        await _agent.WaitUntilExpiredAsync(conversation);
        var page = await KvStateSweep.FindExpiredAsync(_store, ConversationKeys.Filter("default", ExpiringConversations.Agent), ExpiringConversations.Ttl, after: 0, pageSize: 1000, CancellationToken.None);
        Assert.Equal((1, 0), await KvStateSweep.DeleteAsync(_store, [.. page.Expired.Where(e => e.Key.Contains(conversation, StringComparison.Ordinal))], CancellationToken.None));
        Assert.Null(await _agent.StoredCountAsync(conversation));

        Assert.Equal(1, await _agent.CountAsync(conversation)); // answered (not not_available), without the deleted count
        Assert.Equal(1, await _agent.StoredCountAsync(conversation));
    }

    [Fact]
    public async Task Paging_the_sweep_reads_every_conversation_once_and_finds_only_the_expired()
    {
        var prefix = "paged-" + MeshIds.New() + "-";
        for (var i = 0; i < 7; i++)
        {
            Assert.Equal(1, await _agent.CountAsync(prefix + i));
        }

        await _agent.WaitUntilExpiredAsync(prefix + 6);
        var fresh = prefix + "fresh";
        Assert.Equal(1, await _agent.CountAsync(fresh));
        var filter = ConversationKeys.Filter("default", ExpiringConversations.Agent);
        var expired = new List<string>();
        var reads = 0;
        ulong after = 0;
        while (true)
        {
            var page = await KvStateSweep.FindExpiredAsync(_store, filter, ExpiringConversations.Ttl, after, pageSize: 3, CancellationToken.None);
            Assert.InRange(page.Read, 0, 3);
            reads += page.Read;
            expired.AddRange(page.Expired.Select(e => e.Key));
            if (page.Next is not { } next)
            {
                break;
            }

            after = next;
        }

        var mine = expired.Where(k => k.Contains(prefix, StringComparison.Ordinal)).ToList();
        Assert.Equal(7, mine.Count);
        Assert.Equal(7, mine.Distinct().Count());
        Assert.DoesNotContain(expired, k => k.Contains(fresh, StringComparison.Ordinal));
        Assert.True(reads >= 8, $"read {reads} entries");
    }

    [Fact]
    public async Task A_sweep_page_ends_at_what_the_bucket_held_when_it_began_while_a_conversation_is_rewritten_all_the_time()
    {
        var prefix = "hot-" + MeshIds.New() + "-";
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(1, await _agent.CountAsync(prefix + i));
        }

        await _agent.WaitUntilExpiredAsync(prefix + 4);
        var hot = prefix + "hot";
        Assert.Equal(1, await _agent.CountAsync(hot));
        var filter = ConversationKeys.Filter("default", ExpiringConversations.Agent);
        var hotKey = (await KvStateSweep.FindExpiredAsync(_store, filter, TimeSpan.Zero, after: 0, pageSize: 1000, CancellationToken.None))
            .Expired.Single(e => e.Key.Contains(hot, StringComparison.Ordinal)).Key;
        var fresh = Encoding.UTF8.GetBytes($"{{\"{ConversationExpiry.LastTurnProperty}\":\"{DateTimeOffset.UtcNow.AddDays(1):O}\"}}");

        using var stop = new CancellationTokenSource();
        var rewrites = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await _store.PutAsync(hotKey, fresh); // as fast as the server takes it: the watch always has one more pending
            }
        });
        try
        {
            for (var round = 0; round < 20; round++)
            {
                var page = await KvStateSweep.FindExpiredAsync(_store, filter, ExpiringConversations.Ttl, after: 0, pageSize: 1000, CancellationToken.None);

                Assert.Null(page.Next);
                Assert.Equal(5, page.Expired.Count);
                Assert.Equal(6, page.Read); // each conversation once: the page does not chase the rewrites that keep arriving
            }
        }
        finally
        {
            await stop.CancelAsync();
            await rewrites;
        }
    }
}

/// <summary>Idle expiry with state in silo memory (<c>AddSiloMemoryGrainStorage</c>): each silo sweeps its own records.</summary>
[Trait("Category", "Integration")]
public sealed class ConversationExpiryMemoryTests : OwnNatsServerTests
{
    [Fact]
    public async Task An_idle_conversation_in_silo_memory_is_swept_and_starts_fresh()
    {
        await using var silo = await TestSilo.StartAsync(
            Nats.Url,
            agents: s => s.AddAgent<ExpiringAgent>().Configure<ConversationExpiryOptions>(o => o.SweepInterval = TimeSpan.FromMilliseconds(200)),
            storage: s => s.AddSiloMemoryGrainStorage(MeshHostOptions.DefaultStateStorageName));
        var storage = silo.Services.GetRequiredKeyedService<Orleans.Storage.IGrainStorage>(MeshHostOptions.DefaultStateStorageName);
        var conversation = "memory-" + MeshIds.New();
        var grain = Orleans.Runtime.GrainId.Create(AgentAttribute.GrainTypeOf(ExpiringConversations.Agent), conversation);
        async Task<bool> StoredAsync()
        {
            var state = new Orleans.GrainState<ConversationSnapshot<ExpiringState>>();
            await storage.ReadStateAsync("conversation", grain, state);
            return state.RecordExists;
        }

        Assert.Equal(1, await ExpiringConversations.CountAsync(Raw, conversation));
        Assert.Equal(2, await ExpiringConversations.CountAsync(Raw, conversation));
        Assert.True(await StoredAsync());

        await Poll.UntilAsync(async () => !await StoredAsync(), "the sweeper removed the idle conversation from silo memory", timeout: TimeSpan.FromSeconds(30));

        Assert.Equal(1, await ExpiringConversations.CountAsync(Raw, conversation)); // a new conversation
        Assert.True(await StoredAsync());
    }
}
