using OamOrleans.Client;
using OamOrleans.Protocol;
using static OamOrleans.Runtime.Tests.RawNats;

namespace OamOrleans.Runtime.Tests;

/// <summary>
/// A handler's <see cref="AgentContext.CancellationToken"/> fires at the caller's deadline, when an in-cluster caller
/// cancels, and when its silo stops and the drain period is over.
/// </summary>
[Trait("Category", "Integration")]
public sealed class CancellationTests : OwnNatsServerTests
{
    private TestSilo _silo = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _silo = await TestSilo.StartAsync(Nats.Url, configure: o => o.DrainTimeout = TimeSpan.FromSeconds(1));
    }

    public override async Task DisposeAsync()
    {
        await _silo.DisposeAsync();
        await base.DisposeAsync();
    }

    [Fact]
    public async Task A_slow_handler_sees_its_token_fire_at_the_deadline_a_plain_nats_caller_sent()
    {
        var key = MeshIds.New();
        var reply = await RequestAsync(Raw, "test.cancellable", $$"""{"waitMs":60000,"key":"{{key}}"}""",
            headers: new Dictionary<string, string> { [MeshHeaders.Timeout] = "0.5" }, timeout: TimeSpan.FromSeconds(20));

        var after = await CancellableAgent.TurnOf(key).Cancelled.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.InRange(after, TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(5));
        Assert.Equal(MeshHeaders.StatusError, reply.Headers?[MeshHeaders.Status].ToString());
        Assert.Equal(MeshErrorCodes.Timeout, Json(reply).GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_deadline_header_that_is_not_a_positive_number_leaves_the_host_limit_in_force()
    {
        var key = MeshIds.New();
        var reply = await RequestAsync(Raw, "test.cancellable", $$"""{"waitMs":200,"key":"{{key}}"}""",
            headers: new Dictionary<string, string> { [MeshHeaders.Timeout] = "soon" });

        Assert.Equal("finished", Json(reply).GetString());
        Assert.False(CancellableAgent.TurnOf(key).Cancelled.IsCompleted);
    }

    [Theory]
    [InlineData("test.cancellable")] // a stateless worker: Orleans' own cancellation message misses its activation
    [InlineData("test.cancellable-turn")] // a conversation's grain
    public async Task An_in_cluster_caller_that_cancels_is_seen_by_the_callee(string agent)
    {
        var key = MeshIds.New();
        using var cancel = new CancellationTokenSource();
        var call = _silo.Grains.GetAgent(agent, conversationId: key).CallAsync<string>(new CancellableIn(60_000, key), TimeSpan.FromMinutes(1), cancel.Token);
        await CancellableAgent.TurnOf(key).Started.WaitAsync(TimeSpan.FromSeconds(10));

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        await CancellableAgent.TurnOf(key).Cancelled.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_call_by_name_that_its_caller_cancels_is_seen_by_the_callee()
    {
        var key = MeshIds.New();
        using var cancel = new CancellationTokenSource();
        var mesh = (IAgentMesh)_silo.Services.GetService(typeof(IAgentMesh))!;
        var call = mesh.CallAsync<string>("test.cancellable", new CancellableIn(60_000, key), new CallOptions { Timeout = TimeSpan.FromMinutes(1) }, cancel.Token);
        await CancellableAgent.TurnOf(key).Started.WaitAsync(TimeSpan.FromSeconds(10));

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        await CancellableAgent.TurnOf(key).Cancelled.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_typed_call_past_its_timeout_is_a_timeout_and_the_callee_gives_up()
    {
        var key = MeshIds.New();

        var error = await Assert.ThrowsAsync<MeshTimeoutException>(() =>
            _silo.Grains.GetAgent<CancellableAgent>().CallAsync<string>(new CancellableIn(60_000, key), TimeSpan.FromMilliseconds(500)));

        Assert.Equal("test.cancellable", error.Agent);
        await CancellableAgent.TurnOf(key).Cancelled.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_silo_stop_cancels_a_long_handler_once_the_drain_period_is_over()
    {
        var key = MeshIds.New();
        var call = RequestAsync(Raw, "test.cancellable", $$"""{"waitMs":60000,"key":"{{key}}"}""",
            headers: new Dictionary<string, string> { [MeshHeaders.Timeout] = "60" }, timeout: TimeSpan.FromSeconds(30));
        await CancellableAgent.TurnOf(key).Started.WaitAsync(TimeSpan.FromSeconds(10));

        await _silo.StopAsync();

        var after = await CancellableAgent.TurnOf(key).Cancelled.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(after >= TimeSpan.FromSeconds(1), $"cancelled after {after}, before the 1 s drain period ended");
        Assert.Equal(MeshErrorCodes.Timeout, Json(await call).GetProperty("code").GetString());
    }
}
