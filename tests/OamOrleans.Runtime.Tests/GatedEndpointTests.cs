using OamOrleans.Hosting;
using OamOrleans.Protocol;
using static OamOrleans.Runtime.Tests.RawNats;

namespace OamOrleans.Runtime.Tests;

/// <summary>A gated agent is served by the same endpoint as any other: slots first, then the next request.</summary>
[Trait("Category", "Integration")]
public sealed class GatedEndpointTests : OwnNatsServerTests
{
    [Fact]
    public async Task A_burst_at_a_gated_agent_is_bounded_by_the_slots_and_its_queue_and_the_rest_is_shed()
    {
        // Before the endpoint, a gate's loop started a task per message before it had a slot: its queue never filled,
        // so requests arriving faster than the agent works piled up in memory (all 30 answered, 15 s later) and none
        // was shed. Now the loop takes a slot before the next request: 2 run, 1 waits for a slot, 4 wait in the queue.
        await using var silo = await TestSilo.StartAsync(Nats.Url,
            configure: o => { o.MaxConcurrentRequests = 2; o.MaxQueuedRequests = 4; },
            agents: s => s.AddAgent<SlowGatedAgent>());

        var calls = new List<Task<NATS.Client.Core.NatsMsg<byte[]>>>();
        for (var i = 0; i < 30; i++)
        {
            calls.Add(RequestAsync(Raw, "test.gated.slow", "1000", timeout: TimeSpan.FromSeconds(30)));
            await Task.Delay(20); // arrivals spread out: the receive loop keeps up with the socket
        }

        var replies = await Task.WhenAll(calls);
        var answered = replies.Count(r => Header(r, "X-Mesh-Status") == "ok");
        var shed = replies.Count(r => Header(r, "X-Mesh-Status") == "error" && Json(r).GetProperty("code").GetString() == MeshErrorCodes.NotAvailable);
        Assert.Equal(30, answered + shed);
        Assert.InRange(answered, 7, 10); // 2 running + 1 waiting for a slot + 4 queued, give or take one finishing meanwhile
        Assert.InRange(SlowGatedAgent.MostRunning, 1, 2);
    }
}
