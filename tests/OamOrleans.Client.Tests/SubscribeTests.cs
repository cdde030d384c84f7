using System.Text.Json;
using OamOrleans.Protocol;
using Xunit;

namespace OamOrleans.Client.Tests;

/// <summary>
/// Port of the reference TypeScript <c>subscribe.test.ts</c> and the Python <c>test_subscribe.py</c> / <c>test_publisher.py</c>
/// client-side P tests: the simulator plays a publisher agent (events, end and error frames) over plain NATS.
/// </summary>
[Trait("Category", "Integration")]
public sealed class SubscribeTests(NatsFixture fx) : SimulatorTests(fx)
{
    private sealed record Tick(int N);

    private static string Contract(string name, bool invocable, bool streaming) => $$"""
        {"name": "{{name}}", "description": "sim", "version": "0.1.0",
         "capabilities": {"streaming": {{(streaming ? "true" : "false")}}, "invocable": {{(invocable ? "true" : "false")}}},
         "skills": [{"id": "{{name}}", "name": "{{name}}", "description": "sim", "tags": []}],
         "x-agentmesh": {"subject": "mesh.agent.{{name}}", "tags": [], "registered_at": "2026-11-25T12:27:37.275915+00:00"} }
        """;

    /// <summary>A publisher known to the registry (the client resolves subscribe(agent=) there when the catalog lacks it).</summary>
    private async Task<string> PublisherAsync(string channel = "demo")
    {
        var name = Wait.Name(channel);
        await Sim.PutContractAsync(name, Contract(name, invocable: false, streaming: true));
        return name;
    }

    /// <summary>Starts consuming on a background task and waits until the subscription is live on the server.</summary>
    private async Task<Task<List<T>>> StartAsync<T>(IAsyncEnumerable<T> source, string subject)
    {
        var task = Task.Run(async () =>
        {
            var items = new List<T>();
            await foreach (var item in source)
            {
                items.Add(item);
            }

            return items;
        });
        await Sim.WaitForInterestAsync(subject);
        return task;
    }

    [Fact]
    public async Task By_agent_yields_events_until_the_end_frame()
    {
        var name = await PublisherAsync();
        var consuming = await StartAsync(Client.SubscribeAsync<Tick>(agent: name), MeshSubjects.Events(name));

        for (var i = 0; i < 5; i++)
        {
            await Sim.PublishEventAsync(name, i, $$"""{"n":{{i}}}""");
        }

        await Sim.PublishEventsEndAsync(name, 5);
        var ticks = await consuming.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal([0, 1, 2, 3, 4], ticks.Select(t => t.N));
    }

    [Fact]
    public async Task End_frame_with_a_body_yields_it_then_stops()
    {
        var name = await PublisherAsync();
        var consuming = await StartAsync(Client.SubscribeAsync<Tick>(agent: name), MeshSubjects.Events(name));

        await Sim.PublishEventAsync(name, 0, """{"n":1}""");
        await Sim.PublishEventsEndAsync(name, 1, """{"n":2}""");
        await Sim.PublishEventAsync(name, 2, """{"n":3}""");

        Assert.Equal([1, 2], (await consuming.WaitAsync(TimeSpan.FromSeconds(10))).Select(t => t.N));
    }

    [Fact]
    public async Task Raw_frames_carry_headers_and_sequence_is_not_checked()
    {
        var name = await PublisherAsync();
        var consuming = await StartAsync(Client.SubscribeRawAsync(agent: name), MeshSubjects.Events(name));

        await Sim.PublishEventAsync(name, 7, """{"n":7}""");
        await Sim.PublishEventAsync(name, 3, """{"n":3}""");
        await Sim.PublishEventsEndAsync(name, 8);
        var frames = await consuming.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal([7L, 3L], frames.Select(f => f.Sequence!.Value));
        Assert.All(frames, f => Assert.Equal(Sim.InstanceId, f.InstanceId));
        Assert.All(frames, f => Assert.Null(f.RequestId));
        Assert.All(frames, f => Assert.Equal(MeshSubjects.Events(name), f.Subject));
    }

    [Fact]
    public async Task Error_frame_raises_the_typed_error()
    {
        var name = await PublisherAsync();
        var received = new List<Tick>();
        var consuming = Task.Run(async () =>
        {
            await foreach (var t in Client.SubscribeAsync<Tick>(agent: name))
            {
                received.Add(t);
            }
        });
        await Sim.WaitForInterestAsync(MeshSubjects.Events(name));

        await Sim.PublishEventAsync(name, 0, """{"n":1}""");
        await Sim.PublishEventsErrorAsync(name, "generator exploded");

        var e = await Assert.ThrowsAsync<HandlerErrorException>(() => consuming.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("generator exploded", e.Message);
        Assert.Equal(name, e.Agent);
        Assert.Single(received);
    }

    [Fact]
    public async Task Inactivity_timeout_raises_MeshTimeout()
    {
        var name = await PublisherAsync();

        var e = await Assert.ThrowsAsync<MeshTimeoutException>(async () =>
        {
            await foreach (var _ in Client.SubscribeAsync<Tick>(agent: name, timeout: TimeSpan.FromMilliseconds(300)))
            {
            }
        });

        Assert.Equal($"No message on mesh.agent.{name}.events within 0.3s", e.Message);
    }

    [Fact]
    public async Task Inactivity_timeout_restarts_with_every_event()
    {
        var subject = $"feed.t{Guid.NewGuid():N}";
        var received = 0;
        var consuming = Task.Run(async () =>
        {
            await foreach (var _ in Client.SubscribeRawAsync(subject: subject, timeout: TimeSpan.FromMilliseconds(1500)))
            {
                received++;
            }
        });
        await Sim.WaitForInterestAsync(subject);

        // 6 events 400 ms apart (pacing, not a wait): 2.4 s in all, longer than the timeout, but never 1.5 s of silence.
        for (var i = 0; i < 6; i++)
        {
            await Sim.PublishAsync(subject, $"{i}", new());
            await Task.Delay(400);
        }

        await Assert.ThrowsAsync<MeshTimeoutException>(() => consuming.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(6, received);
    }

    [Fact]
    public async Task Channel_subscription_sees_events_of_every_agent_in_the_channel()
    {
        var channel = $"ch{Guid.NewGuid():N}";
        var a = $"{channel}.a";
        var b = $"{channel}.sub.b";
        var frames = new List<MeshFrame>();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var cts = new CancellationTokenSource();
        var consuming = Task.Run(async () =>
        {
            await foreach (var f in Client.SubscribeRawAsync(channel: channel, cancellationToken: cts.Token))
            {
                frames.Add(f);
                if (frames.Count == 2)
                {
                    done.TrySetResult();
                }
            }
        });
        await Sim.WaitForInterestAsync(MeshSubjects.Events(a));

        await Sim.PublishEventAsync(a, 0, """{"n":1}""");
        await Sim.PublishEventAsync(b, 0, """{"n":2}""");
        await done.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => consuming);
        Assert.Equal([MeshSubjects.Events(a), MeshSubjects.Events(b)], frames.Select(f => f.Subject));
        await Sim.WaitForNoInterestAsync(MeshSubjects.Events(a));
    }

    [Fact]
    public async Task Raw_subject_subscription_ends_on_the_End_header_and_allows_wildcards()
    {
        var root = $"sensors{Guid.NewGuid():N}";
        var consuming = await StartAsync(Client.SubscribeRawAsync(subject: root + ".*"), root + ".x");

        await Sim.PublishAsync(root + ".x", "plain text", new());
        await Sim.PublishAsync(root + ".y", null, new());
        await Sim.PublishAsync(root + ".y", """{"last":true}""", new() { [MeshHeaders.StreamEnd] = MeshHeaders.True });
        var frames = await consuming.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(2, frames.Count);
        Assert.Equal("plain text", frames[0].Text);
        Assert.True(frames[1].IsEnd);
        Assert.True(frames[1].Deserialize<JsonElement>().GetProperty("last").GetBoolean());
    }

    [Fact]
    public async Task Empty_terminal_frame_ends_without_yielding()
    {
        var subject = $"feed.t{Guid.NewGuid():N}";
        var consuming = await StartAsync(Client.SubscribeRawAsync(subject: subject), subject);

        await Sim.PublishAsync(subject, "one", new());
        await Sim.PublishAsync(subject, null, new() { [MeshHeaders.StreamEnd] = MeshHeaders.True });

        Assert.Equal(["one"], (await consuming.WaitAsync(TimeSpan.FromSeconds(10))).Select(f => f.Text));
    }

    [Fact]
    public async Task Error_status_on_a_raw_subject_raises()
    {
        var subject = $"feed.t{Guid.NewGuid():N}";
        var consuming = Task.Run(async () =>
        {
            await foreach (var _ in Client.SubscribeRawAsync(subject: subject))
            {
            }
        });
        await Sim.WaitForInterestAsync(subject);

        await Sim.PublishAsync(subject, """{"code": "not_available", "message": "closed", "agent": "x", "request_id": "", "details": {}}""",
            new() { [MeshHeaders.Status] = MeshHeaders.StatusError });

        var e = await Assert.ThrowsAsync<NotAvailableException>(() => consuming.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("closed", e.Message);
    }

    [Fact]
    public async Task Breaking_out_of_the_loop_unsubscribes()
    {
        var name = await PublisherAsync();
        var got = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var consuming = Task.Run(async () =>
        {
            await foreach (var _ in Client.SubscribeAsync<Tick>(agent: name))
            {
                break;
            }
        });
        await Sim.WaitForInterestAsync(MeshSubjects.Events(name));

        await Sim.PublishEventAsync(name, 0, """{"n":0}""");
        await consuming.WaitAsync(TimeSpan.FromSeconds(10));

        await Sim.WaitForNoInterestAsync(MeshSubjects.Events(name));
    }

    [Fact]
    public async Task Unknown_agent_raises_NotFound()
    {
        var name = Wait.Name("ghost");

        var e = await Assert.ThrowsAsync<NotFoundException>(async () =>
        {
            await foreach (var _ in Client.SubscribeAsync<Tick>(agent: name))
            {
            }
        });

        Assert.Equal(name, e.Agent);
        Assert.Equal(MeshErrorCodes.NotFound, e.Code);
    }

    [Theory]
    [InlineData(true, false, "does not publish events. Use call() instead")]
    [InlineData(true, true, "streams responses to requests. Use stream() instead")]
    [InlineData(false, false, "is a background task and does not publish events")]
    public async Task Subscribing_to_a_registered_non_publisher_is_an_invocation_mismatch(bool invocable, bool streaming, string suffix)
    {
        var name = Wait.Name();
        await Sim.PutContractAsync(name, Contract(name, invocable, streaming));

        var e = await Assert.ThrowsAsync<InvocationMismatchException>(async () =>
        {
            await foreach (var _ in Client.SubscribeAsync<Tick>(agent: name))
            {
            }
        });

        Assert.Equal($"Agent '{name}' {suffix}", e.Message);
    }

    [Fact]
    public void Arguments_are_validated_before_enumeration()
    {
        var both = Assert.Throws<ArgumentException>(() => Client.SubscribeAsync<Tick>(agent: "a.b", subject: "x.y"));
        Assert.Contains("mutually exclusive", both.Message);
        var none = Assert.Throws<ArgumentException>(() => Client.SubscribeAsync<Tick>());
        Assert.Contains("required", none.Message);
        Assert.Throws<ArgumentException>(() => Client.SubscribeAsync<Tick>(agent: "a.b", channel: "a"));
        Assert.Throws<ArgumentException>(() => Client.SubscribeRawAsync(agent: "a..b"));
        Assert.Throws<ArgumentException>(() => Client.SubscribeRawAsync(channel: "a.>"));
        Assert.Throws<ArgumentException>(() => Client.SubscribeRawAsync(subject: "a.>.b"));
        Assert.Throws<ArgumentException>(() => Client.SubscribeRawAsync(subject: ""));
        Assert.Throws<ArgumentOutOfRangeException>(() => Client.SubscribeRawAsync(subject: "a", timeout: TimeSpan.Zero));
    }
}
