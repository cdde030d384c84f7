using System.Text;
using Microsoft.Extensions.DependencyInjection;
using NATS.Client.Core;
using OamOrleans.Client;
using OamOrleans.Protocol;
using static OamOrleans.Runtime.Tests.RawNats;

namespace OamOrleans.Runtime.Tests;

/// <summary>Agents calling agents by name: through Orleans in-cluster, over NATS for agents of other implementations.</summary>
[Collection(MeshCollection.Name)]
[Trait("Category", "Integration")]
public sealed class AgentToAgentTests(MeshFixture mesh)
{
    [Fact]
    public async Task Sample_agent_calls_another_hosted_agent_by_name()
    {
        var reply = await RequestAsync(mesh.Raw, "demo.shout", """{"message":"hi"}""");
        Assert.Equal("ECHO: HI!", Json(reply).GetProperty("reply").GetString());
    }

    [Fact]
    public async Task Hosted_agents_are_called_through_orleans_without_a_nats_hop()
    {
        await using var tap = await mesh.Raw.SubscribeCoreAsync<byte[]>("mesh.agent.demo.echo");
        var reply = await RequestAsync(mesh.Raw, "test.relay", """{"target":"demo.echo","payload":{"message":"inside"}}""");
        Assert.Equal("Echo: inside", Json(reply).GetProperty("reply").GetString());
        await mesh.Raw.PingAsync();
        Assert.False(tap.Msgs.TryRead(out _), "the in-cluster call must not travel over NATS");
    }

    [Fact]
    public async Task In_cluster_calls_validate_input_and_surface_typed_errors()
    {
        var invalid = Json(await RequestAsync(mesh.Raw, "test.relay", """{"target":"demo.echo","payload":{"message":5}}"""));
        Assert.Equal("invalid_input", invalid.GetProperty("code").GetString());
        Assert.Equal("test.relay", invalid.GetProperty("agent").GetString());

        var failed = Json(await RequestAsync(mesh.Raw, "test.relay", """{"target":"demo.fail","payload":{"message":"x"}}"""));
        Assert.Equal("handler_error", failed.GetProperty("code").GetString());
        Assert.Equal("demo.fail refused 'x'", failed.GetProperty("message").GetString());
    }

    [Fact]
    public async Task In_cluster_calls_carry_the_conversation()
    {
        var conversation = "relay-" + MeshIds.New();
        var reply = Json(await RequestAsync(mesh.Raw, "test.relay", $$"""{"target":"demo.counter","payload":{},"conversation":"{{conversation}}"}"""));
        Assert.Equal(conversation, reply.GetProperty("conversationId").GetString());
        Assert.Equal(1, reply.GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task Agents_of_other_implementations_are_called_over_nats()
    {
        // A foreign agent: a plain NATS responder speaking the protocol.
        await using var foreign = await mesh.Raw.SubscribeCoreAsync<byte[]>("mesh.agent.py.upper", queueGroup: "q.py.upper");
        var responder = Task.Run(async () =>
        {
            await foreach (var msg in foreign.Msgs.ReadAllAsync())
            {
                var text = Json(msg.Data).GetProperty("text").GetString()!;
                await msg.ReplyAsync(Encoding.UTF8.GetBytes($$"""{"upper":"{{text.ToUpperInvariant()}}"}"""),
                    headers: new NatsHeaders { ["X-Mesh-Status"] = "ok", ["X-Mesh-Source"] = "py.upper" });
            }
        });

        var reply = await RequestAsync(mesh.Raw, "test.relay", """{"target":"py.upper","payload":{"text":"abc"}}""");
        Assert.Equal("ABC", Json(reply).GetProperty("upper").GetString());
    }

    [Fact]
    public async Task Calls_to_absent_agents_fail_with_not_found()
    {
        var envelope = Json(await RequestAsync(mesh.Raw, "test.relay", """{"target":"nobody.here","payload":{}}"""));
        Assert.Equal("not_found", envelope.GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("")]
    [InlineData(".a")]
    [InlineData("a.")]
    [InlineData("a..b")]
    [InlineData("a b")]
    [InlineData("a/b")]
    [InlineData("a.*")]
    public async Task Invalid_agent_names_are_refused_with_a_clear_error(string name)
    {
        var envelope = Json(await RequestAsync(mesh.Raw, "test.relay", $$$"""{"target":"{{{name}}}","payload":{}}"""));
        Assert.Equal("handler_error", envelope.GetProperty("code").GetString());
        Assert.Contains("Invalid agent name", envelope.GetProperty("message").GetString());
        Assert.Throws<ArgumentException>(() => mesh.Silo.Grains.GetAgent(name));
        Assert.Throws<ArgumentException>(() => new AgentAttribute(name));
    }

    [Fact]
    public async Task An_in_silo_call_with_extra_headers_is_refused_with_a_clear_error()
    {
        var agents = mesh.Silo.Services.GetRequiredService<IAgentMesh>();
        var options = new CallOptions { Headers = new Dictionary<string, string> { ["X-Trace"] = "1" } };

        var error = await Assert.ThrowsAsync<ArgumentException>(() => agents.CallAsync<Samples.Agents.EchoOut>("demo.echo", new Samples.Agents.EchoIn("x"), options));

        Assert.Contains("no extra headers", error.Message);
    }

    [Fact]
    public async Task Mesh_client_from_dotnet_calls_hosted_agents_over_nats()
    {
        await using var client = await MeshClient.ConnectAsync(mesh.Nats.Url);
        var reply = await client.CallAsync<Samples.Agents.EchoOut>("demo.echo", new Samples.Agents.EchoIn("from .NET"));
        Assert.Equal("Echo: from .NET", reply.Reply);
        var error = await Assert.ThrowsAsync<HandlerErrorException>(async () => await client.CallAsync<Samples.Agents.EchoOut>("demo.fail", new Samples.Agents.EchoIn("x")));
        Assert.Equal("demo.fail", error.Agent);
        var catalog = await client.CatalogAsync(new CatalogFilter { Channel = "demo" });
        Assert.Contains(catalog, e => e.Name == "demo.counter");
    }
}
