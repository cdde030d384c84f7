using System.Text;
using NATS.Client.Core;
using OamOrleans.Protocol;
using static OamOrleans.Runtime.Tests.RawNats;
using static OamOrleans.Runtime.Tests.WireConformanceTests;

namespace OamOrleans.Runtime.Tests;

/// <summary>Publishers end with an end frame on stop and with an error frame on failure; streams stop at their deadline.</summary>
[Trait("Category", "Integration")]
public sealed class PublisherLifecycleTests : OwnNatsServerTests
{
    [Fact]
    public async Task Stopping_the_silo_ends_each_publisher_with_an_end_frame()
    {
        var silo = await TestSilo.StartAsync(Nats.Url);
        await using var events = await Raw.SubscribeCoreAsync<byte[]>(MeshSubjects.Events("test.pulse"));
        await NextAsync(events, _ => true);

        await silo.DisposeAsync();

        var end = await NextAsync(events, m => Header(m, "X-Mesh-Stream-End") == "true");
        Assert.Empty(end.Data ?? []);
        Assert.True(long.Parse(Header(end, "X-Mesh-Stream-Seq")) > 0);
    }

    [Fact]
    public async Task A_failing_publisher_sends_an_error_frame_and_a_dead_letter_without_request_id()
    {
        await using var events = await Raw.SubscribeCoreAsync<byte[]>(MeshSubjects.Events("test.brokenpulse"));
        await using var errors = await Raw.SubscribeCoreAsync<byte[]>("mesh.errors.test.brokenpulse");
        await using var silo = await TestSilo.StartAsync(Nats.Url);

        var error = await NextAsync(events, m => HasHeader(m, "X-Mesh-Status"));
        Assert.Equal("error", Header(error, "X-Mesh-Status"));
        Assert.Equal("true", Header(error, "X-Mesh-Stream-End"));
        Assert.False(HasHeader(error, "X-Mesh-Stream-Seq"));
        var envelope = Json(error);
        Assert.Equal("handler_error", envelope.GetProperty("code").GetString());
        Assert.Equal("pulse lost", envelope.GetProperty("message").GetString());
        Assert.Equal("", envelope.GetProperty("request_id").GetString());
        var copy = await NextAsync(errors, _ => true);
        Assert.False(HasHeader(copy, "X-Mesh-Request-Id"));
        Assert.Equal("error", Header(copy, "X-Mesh-Status"));
    }

    [Fact]
    public async Task Every_silo_runs_its_own_publisher_with_its_own_sequence()
    {
        await using var cluster = await TestSiloCluster.StartAsync(Nats.Url, silos: 2);
        await using var events = await Raw.SubscribeCoreAsync<byte[]>(MeshSubjects.Events("test.pulse"));
        var instances = new HashSet<string>();
        while (instances.Count < 2)
        {
            instances.Add(Header(await NextAsync(events, _ => true), "X-Mesh-Instance-Id"));
        }

        Assert.Equal(cluster.Meshes.Select(m => m.InstanceId).ToHashSet(), instances);
    }

    [Fact]
    public async Task A_stream_past_its_deadline_stops_with_a_timeout_error_frame()
    {
        await using var silo = await TestSilo.StartAsync(Nats.Url, configure: o => o.StreamTimeout = TimeSpan.FromMilliseconds(500));
        var rid = MeshIds.New();
        await using var frames = await Raw.SubscribeCoreAsync<byte[]>(MeshSubjects.Stream(rid));
        await Raw.PublishAsync("mesh.agent.test.stream", """{"chunks":100,"delayMs":100}"""u8.ToArray(),
            headers: new NatsHeaders { ["X-Mesh-Request-Id"] = rid, ["X-Mesh-Stream"] = "true" });

        var error = await NextAsync(frames, m => HasHeader(m, "X-Mesh-Status"));
        Assert.Equal("timeout", Json(error).GetProperty("code").GetString());
        Assert.Contains("deadline", Json(error).GetProperty("message").GetString());
    }
}
