using System.Text;
using System.Text.Json;
using OamOrleans.Internal;
using OamOrleans.Protocol;
using OamOrleans.Samples.Agents;
using static OamOrleans.Runtime.Tests.RawNats;

namespace OamOrleans.Runtime.Tests;

/// <summary>Conversations on Orleans' memory storage (state in storage grains).</summary>
[Collection(MeshCollection.Name)]
[Trait("Category", "Integration")]
public sealed class ConversationsOnStorageGrainsTests(MeshFixture mesh) : ConversationTests(mesh);

/// <summary>Conversations on the silo-local memory storage (no storage-grain call per turn).</summary>
[Trait("Category", "Integration")]
public sealed class ConversationsOnSiloMemoryTests(SiloMemoryMeshFixture mesh) : ConversationTests(mesh), IClassFixture<SiloMemoryMeshFixture>;

/// <summary>Per-conversation state: one activation per (agent, conversation), kept across deactivation; run on each state store.</summary>
[Trait("Category", "Integration")]
public abstract class ConversationTests(MeshFixture mesh)
{
    private async Task<(int Count, string Conversation)> TurnAsync(string? inputKey = null, string? header = null)
    {
        var body = inputKey is null ? "{}" : $$"""{"conversation":"{{inputKey}}"}""";
        var headers = header is null ? null : new Dictionary<string, string> { [MeshHeaders.ConversationId] = header };
        var json = Json(await RequestAsync(mesh.Raw, "demo.counter", body, headers: headers));
        return (json.GetProperty("count").GetInt32(), json.GetProperty("conversationId").GetString()!);
    }

    [Fact]
    public async Task Interleaved_conversations_keep_separate_state()
    {
        var a = "a-" + MeshIds.New();
        var b = "b-" + MeshIds.New();
        Assert.Equal((1, a), await TurnAsync(a));
        Assert.Equal((1, b), await TurnAsync(b));
        Assert.Equal((2, a), await TurnAsync(a));
        Assert.Equal((3, a), await TurnAsync(a));
        Assert.Equal((2, b), await TurnAsync(b));
    }

    [Fact]
    public async Task Header_selects_the_conversation_and_wins_over_the_input_key()
    {
        var header = "h-" + MeshIds.New();
        var key = "k-" + MeshIds.New();
        Assert.Equal((1, header), await TurnAsync(inputKey: key, header: header));
        Assert.Equal((2, header), await TurnAsync(header: header));
        Assert.Equal((1, key), await TurnAsync(inputKey: key));
    }

    [Fact]
    public async Task Without_header_or_key_the_conversation_is_default()
    {
        var (_, conversation) = await TurnAsync();
        Assert.Equal("default", conversation);
    }

    [Fact]
    public async Task State_survives_deactivation_of_every_activation()
    {
        var c = "persist-" + MeshIds.New();
        await TurnAsync(c);
        await TurnAsync(c);

        var management = mesh.Silo.Grains.GetGrain<IManagementGrain>(0);
        await management.ForceActivationCollection(TimeSpan.Zero);

        Assert.Equal((3, c), await TurnAsync(c));
    }

    [Fact]
    public async Task A_failed_turns_changes_are_gone_when_the_conversation_reloads()
    {
        var c = "failed-" + MeshIds.New();
        async Task<JsonElement> NoteAsync(string note, bool fail = false) =>
            Json(await RequestAsync(mesh.Raw, "test.notes", $$"""{"note":"{{note}}","fail":{{(fail ? "true" : "false")}},"conversation":"{{c}}"}"""));

        Assert.Equal(["a"], Notes(await NoteAsync("a")));
        var failed = await NoteAsync("b", fail: true);
        Assert.Equal("handler_error", failed.GetProperty("code").GetString());

        // The failed turn appended "b" to the live state before it threw; the store must not have seen it.
        Assert.Equal(["a", "c"], Notes(await NoteAsync("c")));

        await mesh.Silo.Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        Assert.Equal(["a", "c", "d"], Notes(await NoteAsync("d")));
    }

    private static string[] Notes(JsonElement reply) =>
        reply.GetProperty("notes").EnumerateArray().Select(n => n.GetString()!).ToArray();

    [Fact]
    public async Task Typed_direct_grain_calls_share_state_with_calls_over_nats()
    {
        var c = "direct-" + MeshIds.New();
        var counter = mesh.Silo.Grains.GetAgent<CounterAgent>(c);
        Assert.Equal(new CounterOut(1, c), await counter.CallAsync<CounterOut>(new CounterIn()));
        Assert.Equal((2, c), await TurnAsync(c));
        var echo = await mesh.Silo.Grains.GetAgent<EchoAgent>().CallAsync<EchoOut>(new EchoIn("direct"));
        Assert.Equal("Echo: direct", echo.Reply);
    }

    [Fact]
    public async Task A_batch_sent_to_a_conversation_is_taken_turn_by_turn()
    {
        var c = "batch-" + MeshIds.New();
        var grain = mesh.Silo.Grains.GetGrain<IAgentGrain>(Orleans.Runtime.GrainId.Create(AgentAttribute.GrainTypeOf("demo.counter"), c));
        var requests = Enumerable.Range(0, 10).Select(_ => new AgentRequest("{}"u8.ToArray(), MeshIds.New(), c)).ToArray();

        var responses = await grain.InvokeBatchAsync(requests, CancellationToken.None);

        Assert.Equal(Enumerable.Range(1, 10), responses.Select(r => System.Text.Json.JsonDocument.Parse(r.Body).RootElement.GetProperty("count").GetInt32()));
    }

    [Fact]
    public async Task Overlong_conversation_ids_are_invalid_input()
    {
        var envelope = Json(await RequestAsync(mesh.Raw, "demo.counter", "{}", headers: new Dictionary<string, string> { [MeshHeaders.ConversationId] = new string('c', 300) }));
        Assert.Equal("invalid_input", envelope.GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_thousand_concurrent_calls_over_a_hundred_conversations_are_all_answered_and_counted()
    {
        var run = MeshIds.New()[..8];
        var calls = Enumerable.Range(0, 1000).Select(async i =>
        {
            var conversation = $"load-{run}-{i % 100}";
            var reply = await mesh.Raw.RequestAsync<byte[], byte[]>(
                "mesh.agent.demo.counter",
                Encoding.UTF8.GetBytes($$"""{"conversation":"{{conversation}}"}"""),
                replyOpts: new NATS.Client.Core.NatsSubOpts { Timeout = TimeSpan.FromSeconds(30) });
            var json = Json(reply);
            return (Conversation: json.GetProperty("conversationId").GetString()!, Count: json.GetProperty("count").GetInt32());
        }).ToArray();

        var results = await Task.WhenAll(calls);

        Assert.Equal(1000, results.Length);
        foreach (var group in results.GroupBy(r => r.Conversation))
        {
            // Turn-based: each conversation saw exactly turns 1..10, no lost or duplicated increments.
            Assert.Equal(Enumerable.Range(1, 10), group.Select(r => r.Count).Order());
        }

        Assert.Equal(100, results.Select(r => r.Conversation).Distinct().Count());
    }
}
