using System.Buffers.Text;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OamOrleans.Hosting;
using OamOrleans.Protocol;
using OamOrleans.Samples.Agents;
using Orleans.Runtime;
using Orleans.Storage;
using static OamOrleans.Runtime.Tests.RawNats;

namespace OamOrleans.Runtime.Tests;

/// <summary>The turn log on Orleans' memory storage (storage grains).</summary>
[Collection(MeshCollection.Name)]
[Trait("Category", "Integration")]
public sealed class TurnLogOnStorageGrainsTests(MeshFixture mesh) : TurnLogTests(mesh);

/// <summary>The turn log on the silo-local memory storage, and snapshots of the previous format there.</summary>
[Trait("Category", "Integration")]
public sealed class TurnLogOnSiloMemoryTests(SiloMemoryMeshFixture mesh) : TurnLogTests(mesh), IClassFixture<SiloMemoryMeshFixture>
{
    [Fact]
    public Task A_snapshot_from_before_the_turn_log_reads_as_the_state_and_the_previous_format_reads_new_ones() => SnapshotsStayCompatibleAsync();

    [Fact]
    public Task A_turn_logged_in_the_previous_log_format_is_answered_from_it_and_the_next_write_uses_the_compact_form() => PreviousLogFormatStaysExactlyOnceAsync();
}

/// <summary>The turn log in JetStream KV, and snapshots of the previous format there.</summary>
[Trait("Category", "Integration")]
public sealed class TurnLogOnNatsKvTests(NatsKvMeshFixture mesh) : TurnLogTests(mesh), IClassFixture<NatsKvMeshFixture>
{
    [Fact]
    public Task A_snapshot_from_before_the_turn_log_reads_as_the_state_and_the_previous_format_reads_new_ones() => SnapshotsStayCompatibleAsync();

    [Fact]
    public Task A_turn_logged_in_the_previous_log_format_is_answered_from_it_and_the_next_write_uses_the_compact_form() => PreviousLogFormatStaysExactlyOnceAsync();
}

/// <summary>
/// Exactly-once per request id: a conversation stores the ids and replies of its last turns with its state, so a request
/// id it already answered (re-sent by a foreign client, or retried by the bridge after a lost silo) gets the same reply
/// and does not run again.
/// </summary>
[Trait("Category", "Integration")]
public abstract class TurnLogTests(MeshFixture mesh)
{
    private async Task<(int Count, byte[] Body)> TurnAsync(string conversation, string requestId)
    {
        var reply = await RequestAsync(mesh.Raw, "demo.counter", "{}", requestId, new Dictionary<string, string> { [MeshHeaders.ConversationId] = conversation });
        Assert.Equal(requestId, Header(reply, MeshHeaders.RequestId));
        return (Json(reply).GetProperty("count").GetInt32(), reply.Data!);
    }

    [Fact]
    public async Task A_re_sent_request_id_gets_the_same_reply_and_the_counter_moves_once()
    {
        var c = "resend-" + MeshIds.New();
        var first = MeshIds.New();
        var (count, body) = await TurnAsync(c, first);
        Assert.Equal(1, count);

        var again = await TurnAsync(c, first);
        Assert.Equal(body, again.Body);
        Assert.Equal(2, (await TurnAsync(c, MeshIds.New())).Count);

        // The log is stored with the state: a fresh activation still knows the request id.
        await mesh.Silo.Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        Assert.Equal(body, (await TurnAsync(c, first)).Body);
        Assert.Equal(3, (await TurnAsync(c, MeshIds.New())).Count);
    }

    [Fact]
    public async Task Only_the_last_turns_are_remembered()
    {
        var c = "window-" + MeshIds.New();
        var size = new MeshHostOptions().TurnLogSize;
        var ids = Enumerable.Range(0, size + 1).Select(_ => MeshIds.New()).ToArray();
        foreach (var id in ids)
        {
            await TurnAsync(c, id);
        }

        Assert.Equal(2, (await TurnAsync(c, ids[1])).Count); // still in the log
        Assert.Equal(size + 2, (await TurnAsync(c, ids[0])).Count); // pushed out: runs as a new turn
    }

    [Fact]
    public async Task Requests_without_a_request_id_always_run()
    {
        var c = "no-id-" + MeshIds.New();
        Assert.Equal(1, (await TurnAsync(c, "")).Count);
        Assert.Equal(2, (await TurnAsync(c, "")).Count);
    }

    /// <summary>
    /// A state written by the previous version (the bare state JSON) is read with an empty log; a state written now
    /// still reads as the bare state, so a silo of the previous version can take the conversation over.
    /// </summary>
    protected async Task SnapshotsStayCompatibleAsync()
    {
        var storage = mesh.Silo.Services.GetRequiredKeyedService<IGrainStorage>(MeshHostOptions.DefaultStateStorageName);
        var c = "old-" + MeshIds.New();
        var id = GrainId.Create(AgentAttribute.GrainTypeOf("demo.counter"), c);
        await storage.WriteStateAsync("conversation", id, new GrainState<CounterState>(new CounterState { Turns = 41 }));

        var rid = MeshIds.New();
        Assert.Equal(42, (await TurnAsync(c, rid)).Count);
        Assert.Equal(42, (await TurnAsync(c, rid)).Count);

        var previous = new GrainState<CounterState>();
        await storage.ReadStateAsync("conversation", id, previous);
        Assert.Equal(42, previous.State!.Turns);
    }

    /// <summary>
    /// A conversation stored with the previous form of the log (<c>oam_turns</c>: <c>[{"id", "reply"}]</c>) still answers a
    /// logged request id from it without running the turn; its next write stores the log as <c>oam_log</c> (protocol ids
    /// in 23 characters), and the old turn is still answered after a reload.
    /// </summary>
    protected async Task PreviousLogFormatStaysExactlyOnceAsync()
    {
        var storage = mesh.Silo.Services.GetRequiredKeyedService<IGrainStorage>(MeshHostOptions.DefaultStateStorageName);
        var c = "old-log-" + MeshIds.New();
        var id = GrainId.Create(AgentAttribute.GrainTypeOf("demo.counter"), c);
        var logged = MeshIds.New();
        var previous = JsonNode.Parse($$$"""{"turns":7,"oam_turns":[{"id":"{{{logged}}}","reply":{"count":7,"conversationId":"{{{c}}}"}}]}""")!.AsObject();
        await storage.WriteStateAsync("conversation", id, new GrainState<JsonObject>(previous));

        var (count, body) = await TurnAsync(c, logged);
        Assert.Equal(7, count);
        Assert.Equal($$"""{"count":7,"conversationId":"{{c}}"}""", Encoding.UTF8.GetString(body));
        var fresh = MeshIds.New();
        Assert.Equal(8, (await TurnAsync(c, fresh)).Count);

        var stored = new GrainState<JsonObject>();
        await storage.ReadStateAsync("conversation", id, stored);
        Assert.False(stored.State!.ContainsKey("oam_turns"));
        var log = stored.State["oam_log"]!.AsArray();
        Assert.Equal(["~" + Base64Url.EncodeToString(Convert.FromHexString(logged)), "~" + Base64Url.EncodeToString(Convert.FromHexString(fresh))],
            log.Select(e => e![0]!.GetValue<string>()));

        await mesh.Silo.Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        Assert.Equal(7, (await TurnAsync(c, logged)).Count);
        Assert.Equal(9, (await TurnAsync(c, MeshIds.New())).Count);
    }
}
