using NATS.Client.Core;
using OamOrleans.Hosting;
using OamOrleans.Protocol;
using OamOrleans.Samples.Agents;
using static OamOrleans.Runtime.Tests.RawNats;

namespace OamOrleans.Runtime.Tests;

/// <summary>Silos that host different agents: a call by name reaches an agent hosted by another silo through Orleans.</summary>
[Trait("Category", "Integration")]
public sealed class HeterogeneousClusterTests : OwnNatsServerTests
{
    private TestSiloCluster _cluster = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        // Silo 0 hosts the relay only; silo 1 the agents it calls.
        _cluster = await TestSiloCluster.StartAsync(Nats.Url, silos: 2, agentsOf: i => i == 0
            ? silo => silo.AddAgent<RelayAgent>()
            : silo => silo.AddAgent<TypedAgent>().AddAgent<CounterAgent>().AddAgent<TicketAgent>());
    }

    public override async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        await base.DisposeAsync();
    }

    [Fact]
    public async Task An_agent_hosted_only_by_another_silo_is_called_through_orleans_without_a_nats_hop()
    {
        await using var tap = await Raw.SubscribeCoreAsync<byte[]>("mesh.agent.test.typed");
        var reply = await RequestAsync(Raw, "test.relay", """{"target":"test.typed","payload":{"name":"n","count":1,"mood":"Calm","tags":[],"home":{"city":"Rome"}}}""");
        Assert.Equal("n:1:Calm::", Json(reply).GetProperty("summary").GetString());
        await Raw.PingAsync();
        Assert.False(tap.Msgs.TryRead(out _), "the call must not travel over NATS");
    }

    [Fact]
    public async Task The_remote_agents_conversation_key_and_schema_check_still_apply()
    {
        var conversation = "remote-" + MeshIds.New();
        var payload = $$$"""{"target":"demo.counter","payload":{"conversation":"{{{conversation}}}"}}""";
        Assert.Equal(1, Json(await RequestAsync(Raw, "test.relay", payload)).GetProperty("count").GetInt32());
        var second = Json(await RequestAsync(Raw, "test.relay", payload));
        Assert.Equal(2, second.GetProperty("count").GetInt32());
        Assert.Equal(conversation, second.GetProperty("conversationId").GetString());

        var invalid = Json(await RequestAsync(Raw, "test.relay", """{"target":"test.typed","payload":{"name":5}}"""));
        Assert.Equal("invalid_input", invalid.GetProperty("code").GetString());
        // Checked against the schema where the grain runs, as the bridge would: Pydantic-style details, not a deserializer message.
        Assert.StartsWith("Input failed validation for agent 'test.typed'", invalid.GetProperty("message").GetString());
        var errors = invalid.GetProperty("details").GetProperty("errors").EnumerateArray().ToList();
        Assert.Contains(errors, e => e.GetProperty("type").GetString() == "string_type" && e.GetProperty("loc")[0].GetString() == "name");
        Assert.Contains(errors, e => e.GetProperty("type").GetString() == "missing" && e.GetProperty("loc")[0].GetString() == "count");
    }

    [Theory]
    [InlineData("1e2")]
    [InlineData("4.20")]
    [InlineData("-0")]
    public async Task A_numeric_conversation_key_maps_to_one_conversation_over_nats_and_from_another_silo(string ticket)
    {
        // Over NATS the hosting silo's pipeline reads the key; through the relay, the calling silo resolves it for a grain
        // it does not host. Both read the key's JSON text as sent, so the turns land in the same conversation.
        var direct = Json(await RequestAsync(Raw, "test.ticket", $$"""{"ticket":{{ticket}}}"""));
        var relayed = Json(await RequestAsync(Raw, "test.relay", $$$"""{"target":"test.ticket","payload":{"ticket":{{{ticket}}}}}"""));

        Assert.Equal(ticket, direct.GetProperty("conversationId").GetString());
        Assert.Equal(ticket, relayed.GetProperty("conversationId").GetString());
        Assert.Equal(direct.GetProperty("turn").GetInt32() + 1, relayed.GetProperty("turn").GetInt32());
    }
}
