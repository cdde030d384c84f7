using Microsoft.Extensions.DependencyInjection;
using NATS.Client.Core;
using OamOrleans.Client;
using OamOrleans.Samples.Agents;
using OamOrleans.Protocol;
using OamOrleans.Testing;
using static OamOrleans.Runtime.Tests.RawNats;
using static OamOrleans.Runtime.Tests.WireConformanceTests;

namespace OamOrleans.Runtime.Tests;

/// <summary>Each silo publishes a heartbeat per hosted agent on <c>mesh.health.{name}</c>, counting exactly the requests it served.</summary>
[Trait("Category", "Integration")]
public sealed class HeartbeatTests : OwnNatsServerTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);

    [Fact]
    public async Task Each_hosted_agent_beats_with_the_silos_instance_id_and_interval()
    {
        await using var beats = await Raw.SubscribeCoreAsync<byte[]>(MeshSubjects.Health("demo.echo"));
        await using var silo = await TestSilo.StartAsync(Nats.Url, configure: o => o.HeartbeatInterval = Interval);

        var msg = await NextAsync(beats, _ => true);
        var beat = HealthBeat.Parse(msg.Data);

        Assert.Equal(silo.Mesh.InstanceId, Header(msg, MeshHeaders.InstanceId));
        Assert.Equal(silo.Mesh.InstanceId, beat.InstanceId);
        Assert.Equal("demo.echo", beat.Agent);
        Assert.Equal(200, beat.IntervalMs);
        Assert.Equal(0, beat.InFlight);
        Assert.Null(beat.LastErrorCode);
        Assert.True(DateTimeOffset.TryParse(beat.Timestamp, out _), beat.Timestamp);
    }

    [Fact]
    public async Task Beats_sum_to_exactly_the_requests_and_errors_served_with_the_last_error_code()
    {
        await using var echoBeats = await Raw.SubscribeCoreAsync<byte[]>(MeshSubjects.Health("demo.echo"));
        await using var failBeats = await Raw.SubscribeCoreAsync<byte[]>(MeshSubjects.Health("demo.fail"));
        await using var silo = await TestSilo.StartAsync(Nats.Url, configure: o => o.HeartbeatInterval = Interval);

        for (var i = 0; i < 7; i++)
        {
            Assert.Equal("ok", Header(await RequestAsync(Raw, "demo.echo", $$"""{"message":"m{{i}}"}"""), MeshHeaders.Status));
        }

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("error", Header(await RequestAsync(Raw, "demo.echo", """{"message":5}"""), MeshHeaders.Status));
        }

        for (var i = 0; i < 2; i++)
        {
            Assert.Equal("error", Header(await RequestAsync(Raw, "demo.fail", """{"message":"x"}"""), MeshHeaders.Status));
        }

        var echo = await SumUntilAsync(echoBeats, requests: 10);
        Assert.Equal((10, 3, "invalid_input"), (echo.Requests, echo.Errors, echo.Last.LastErrorCode));
        Assert.True(echo.AnyLatency, "a window with requests reports their mean latency");
        var fail = await SumUntilAsync(failBeats, requests: 2);
        Assert.Equal((2, 2, "handler_error"), (fail.Requests, fail.Errors, fail.Last.LastErrorCode));

        // Nothing more was sent: the next beats count nothing, and keep the last error code.
        var quiet = HealthBeat.Parse((await NextAsync(echoBeats, _ => true)).Data);
        Assert.Equal((0, 0, "invalid_input"), (quiet.Requests, quiet.Errors, quiet.LastErrorCode));
    }

    [Fact]
    public async Task Beats_count_calls_by_name_inside_the_cluster_and_typed_reference_calls()
    {
        await using var beats = await Raw.SubscribeCoreAsync<byte[]>(MeshSubjects.Health("demo.echo"));
        await using var silo = await TestSilo.StartAsync(Nats.Url, configure: o => o.HeartbeatInterval = Interval);
        var mesh = silo.Services.GetRequiredService<IAgentMesh>();

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal($"Echo: n{i}", (await mesh.CallAsync<EchoOut>("demo.echo", new EchoIn($"n{i}"))).Reply);
        }

        await Assert.ThrowsAnyAsync<MeshException>(() => mesh.CallAsync<EchoOut>("demo.echo", new { message = 5 }));
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal($"Echo: t{i}", (await silo.Grains.GetAgent<EchoAgent>().CallAsync<EchoOut>(new EchoIn($"t{i}"))).Reply);
        }

        var counted = await SumUntilAsync(beats, requests: 6); // no NATS request was sent: all six came from inside
        Assert.Equal((6, 1, "invalid_input"), (counted.Requests, counted.Errors, counted.Last.LastErrorCode));
        var quiet = HealthBeat.Parse((await NextAsync(beats, _ => true)).Data);
        Assert.Equal(0, quiet.Requests); // each call counted once
    }

    [Fact]
    public async Task A_silo_with_heartbeats_off_sends_none()
    {
        await using var beats = await Raw.SubscribeCoreAsync<byte[]>("mesh.health.>");
        await using var quiet = await TestSilo.StartAsync(Nats.Url, configure: o => o.HeartbeatInterval = TimeSpan.Zero);
        await using var beating = await TestSilo.StartAsync(Nats.Url, primary: quiet, configure: o => o.HeartbeatInterval = Interval);

        // Beats of the beating silo arrive for a few intervals; none carries the quiet silo's id.
        for (var i = 0; i < 10; i++)
        {
            var beat = HealthBeat.Parse((await NextAsync(beats, _ => true)).Data);
            Assert.Equal(beating.Mesh.InstanceId, beat.InstanceId);
        }
    }

    /// <summary>Adds up beats until <paramref name="requests"/> are counted (more would fail the caller's assertion).</summary>
    private static async Task<(long Requests, long Errors, bool AnyLatency, HealthBeat Last)> SumUntilAsync(INatsSub<byte[]> beats, long requests)
    {
        long seen = 0, errors = 0;
        var anyLatency = false;
        HealthBeat last;
        do
        {
            last = HealthBeat.Parse((await NextAsync(beats, _ => true)).Data);
            seen += last.Requests;
            errors += last.Errors;
            anyLatency |= last.Requests > 0 && last.AvgLatencyMs > 0;
        }
        while (seen < requests);

        return (seen, errors, anyLatency, last);
    }
}
