using OamOrleans.Client;
using Xunit;

namespace OamSilo.Tests;

/// <summary>The silo's agents, called over NATS as any OpenAgentMesh client would call them.</summary>
public sealed class AgentTests(SiloFixture silo) : IClassFixture<SiloFixture>
{
    private sealed record EchoOut(string Reply);

    private sealed record CounterOut(int Count, string ConversationId);

    [Fact]
    public async Task Echo_answers_with_the_message()
    {
        var reply = await silo.Mesh.CallAsync<EchoOut>("oamchannel.echo", new { message = "hi" });

        Assert.Equal("Echo: hi", reply.Reply);
    }

    [Fact]
    public async Task Counter_counts_the_turns_of_each_conversation()
    {
        var first = await silo.Mesh.CallAsync<CounterOut>("oamchannel.counter", new { conversation = "a" });
        var second = await silo.Mesh.CallAsync<CounterOut>("oamchannel.counter", new { conversation = "a" });
        var other = await silo.Mesh.CallAsync<CounterOut>("oamchannel.counter", new { }, new CallOptions { ConversationId = "b" });

        Assert.Equal((1, "a"), (first.Count, first.ConversationId));
        Assert.Equal((2, "a"), (second.Count, second.ConversationId));
        Assert.Equal((1, "b"), (other.Count, other.ConversationId));
    }

    [Fact]
    public async Task Invalid_input_is_refused_before_the_agent_runs()
    {
        var error = await Assert.ThrowsAsync<InvalidInputException>(async () => await silo.Mesh.CallAsync<EchoOut>("oamchannel.echo", new { wrong = 1 }));

        Assert.Equal("invalid_input", error.Code);
    }
}
