using System.Text.Json;
using OamOrleans.Protocol;
using Xunit;

namespace OamOrleans.Client.Tests;

/// <summary>
/// Calls with retries off (<see cref="MeshRetryOptions.None"/>, per call or for the whole client): one attempt on the
/// call's own deadline, failing exactly as a call with retries on does when nothing is worth another attempt.
/// </summary>
[Trait("Category", "Integration")]
public sealed class OneAttemptCallTests(NatsFixture fx) : SimulatorTests(fx)
{
    private static readonly CallOptions Once = new() { Retry = MeshRetryOptions.None };

    [Fact]
    public async Task Without_retries_a_silent_agent_raises_MeshTimeout_with_the_reference_message_after_one_request()
    {
        var name = Wait.Name();
        var agent = await Sim.ServeAsync(name, _ => ValueTask.FromResult(SimReply.None));

        var e = await Assert.ThrowsAsync<MeshTimeoutException>(() =>
            Client.CallAsync<JsonElement>(name, null, Once with { Timeout = TimeSpan.FromMilliseconds(300) }).AsTask());

        Assert.Equal(MeshErrorCodes.Timeout, e.Code);
        Assert.Equal($"No message on mesh.agent.{name} within 0.3s", e.Message);
        Assert.Equal(name, e.Agent);
        Assert.Equal((await agent.NextRequestAsync()).RequestId, e.RequestId);
        Assert.Single(agent.Requests);
    }

    [Fact]
    public async Task Without_retries_an_agent_nobody_serves_and_the_catalog_does_not_know_raises_NotFound_at_once()
    {
        var name = Wait.Name("ghost");
        var started = System.Diagnostics.Stopwatch.StartNew();

        var e = await Assert.ThrowsAsync<NotFoundException>(() =>
            Client.CallAsync<JsonElement>(name, new { }, Once with { Timeout = TimeSpan.FromSeconds(30) }).AsTask());

        Assert.True(started.Elapsed < TimeSpan.FromSeconds(10), $"no-responders must not wait for the deadline (took {started.Elapsed})");
        Assert.Equal(MeshErrorCodes.NotFound, e.Code);
        Assert.Equal($"Agent '{name}' not found", e.Message);
        Assert.Equal(name, e.Agent);
        Assert.Matches("^[0-9a-f]{32}$", e.RequestId);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_callers_cancellation_surfaces_as_OperationCanceled_not_as_a_mesh_error(bool retries)
    {
        var name = Wait.Name();
        var agent = await Sim.ServeAsync(name, _ => ValueTask.FromResult(SimReply.None));
        using var caller = new CancellationTokenSource();
        var options = new CallOptions { Timeout = TimeSpan.FromSeconds(30), Retry = retries ? MeshRetryOptions.Default : MeshRetryOptions.None };

        var call = Client.CallAsync<JsonElement>(name, null, options, caller.Token).AsTask();
        await agent.NextRequestAsync(); // the request is out and waits for its answer
        await caller.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
    }

    [Fact]
    public async Task A_client_with_retries_off_makes_one_attempt_and_a_call_may_still_turn_retries_on()
    {
        var name = Wait.Name();
        var answered = 0;
        var agent = await Sim.ServeAsync(name, r => ValueTask.FromResult(Interlocked.Increment(ref answered) < 3
            ? Sim.Error(name, r.RequestId, MeshErrorCodes.NotAvailable, "silo lost")
            : Sim.Ok(name, r.RequestId, """{"reply":"third request"}""")));
        await using var once = await MeshClient.ConnectAsync(Fixture.Server.Url, new MeshClientOptions { Retry = MeshRetryOptions.None });

        var refused = await Assert.ThrowsAsync<NotAvailableException>(() => once.CallAsync<JsonElement>(name, null).AsTask());
        var retried = await once.CallAsync<JsonElement>(name, null, new CallOptions { Retry = MeshRetryOptions.Default with { Delay = TimeSpan.Zero } });

        Assert.Equal("silo lost", refused.Message);
        Assert.Equal("third request", retried.GetProperty("reply").GetString());
        var first = await agent.NextRequestAsync();
        var second = await agent.NextRequestAsync();
        var third = await agent.NextRequestAsync();
        Assert.Equal(refused.RequestId, first.RequestId);
        Assert.NotEqual(first.RequestId, second.RequestId);
        Assert.Equal(second.RequestId, third.RequestId); // the retried call sent its one request id twice
        Assert.Equal(3, agent.Requests.Count);
    }
}
