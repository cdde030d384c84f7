using System.Text.Json;
using NATS.Client.Core;
using OamOrleans.Protocol;
using OamOrleans.Testing;
using Xunit;

namespace OamOrleans.Client.Tests;

/// <summary>Port of the reference TypeScript <c>send.test.ts</c> and the Python <c>test_async_callback.py</c> P tests, against the simulator.</summary>
[Trait("Category", "Integration")]
public sealed class SendTests(NatsFixture fx) : SimulatorTests(fx)
{
    private static TaskCompletionSource<T> Signal<T>() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    [Fact]
    public async Task Fire_and_forget_sends_ids_and_no_reply_subject()
    {
        var name = Wait.Name();
        var agent = await Sim.ServeEchoAsync(name);

        var requestId = await Client.SendAsync(name, new { message = "hi" });

        var request = await agent.NextRequestAsync();
        Assert.Equal(requestId, request.RequestId);
        Assert.Matches("^[0-9a-f]{32}$", requestId);
        Assert.Equal(Client.InstanceId, request.Header(MeshHeaders.InstanceId));
        Assert.Null(request.ReplyTo);
        Assert.Null(request.Header(MeshHeaders.ReplyTo));
        Assert.Null(request.Header(MeshHeaders.Stream));
        Assert.Equal("hi", JsonDocument.Parse(request.Body).RootElement.GetProperty("message").GetString());
    }

    [Fact]
    public async Task OnReply_receives_the_reply_on_mesh_results_and_the_send_ends_without_a_spurious_timeout()
    {
        var name = Wait.Name();
        var agent = await Sim.ServeEchoAsync(name);
        var reply = Signal<MeshFrame>();
        var errors = 0;

        var requestId = await Client.SendAsync(name, new { message = "hi" }, new SendOptions
        {
            OnReply = r =>
            {
                reply.TrySetResult(r);
                return ValueTask.CompletedTask;
            },
            OnError = _ =>
            {
                Interlocked.Increment(ref errors);
                return ValueTask.CompletedTask;
            },
            Timeout = TimeSpan.FromSeconds(3),
        });

        var got = await reply.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var request = await agent.NextRequestAsync();
        Assert.Equal(MeshSubjects.Results(requestId), request.ReplyTo);
        Assert.Equal(requestId, request.RequestId);
        Assert.Null(request.Header(MeshHeaders.ReplyTo));
        Assert.Equal("Echo: hi", got.Deserialize<JsonElement>().GetProperty("reply").GetString());
        Assert.Equal(requestId, got.RequestId);
        Assert.Equal(name, got.Source);

        // The send stopped listening after the one reply (the results subscription is gone), so no timeout can follow.
        await Sim.WaitForNoInterestAsync(MeshSubjects.Results(requestId));
        Assert.Equal(0, Volatile.Read(ref errors));
    }

    [Fact]
    public async Task OnError_receives_the_typed_error_reply()
    {
        var name = Wait.Name();
        await Sim.ServeAsync(name, r => ValueTask.FromResult(Sim.Error(name, r.RequestId, "handler_error", "boom")));
        var error = Signal<MeshException>();
        var replies = 0;

        var requestId = await Client.SendAsync(name, null, new SendOptions
        {
            OnReply = _ =>
            {
                Interlocked.Increment(ref replies);
                return ValueTask.CompletedTask;
            },
            OnError = e =>
            {
                error.TrySetResult(e);
                return ValueTask.CompletedTask;
            },
        });

        var e = Assert.IsType<HandlerErrorException>(await error.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("boom", e.Message);
        Assert.Equal(name, e.Agent);
        Assert.Equal(requestId, e.RequestId);
        await Sim.WaitForNoInterestAsync(MeshSubjects.Results(requestId));
        Assert.Equal(0, replies);
    }

    [Fact]
    public async Task OnError_gets_a_timeout_after_inactivity()
    {
        var name = Wait.Name();
        await Sim.ServeAsync(name, _ => ValueTask.FromResult(SimReply.None));
        var error = Signal<MeshException>();

        var requestId = await Client.SendAsync(name, null, new SendOptions
        {
            OnError = e =>
            {
                error.TrySetResult(e);
                return ValueTask.CompletedTask;
            },
            Timeout = TimeSpan.FromMilliseconds(300),
        });

        var e = Assert.IsType<MeshTimeoutException>(await error.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal($"No message on mesh.results.{requestId} within 0.3s", e.Message);
        Assert.Equal(MeshErrorCodes.Timeout, e.Code);
        await Sim.WaitForNoInterestAsync(MeshSubjects.Results(requestId));
    }

    [Fact]
    public async Task Sequenced_replies_are_delivered_up_to_the_end_frame()
    {
        var name = Wait.Name();
        await Sim.ServeAsync(name, async r =>
        {
            for (var i = 0; i < 3; i++)
            {
                await Sim.PublishAsync(r.ReplyTo!, $$"""{"i":{{i}}}""", new() { [MeshHeaders.StreamSeq] = $"{i}", [MeshHeaders.StreamEnd] = MeshHeaders.False });
            }

            await Sim.PublishAsync(r.ReplyTo!, null, new() { [MeshHeaders.StreamSeq] = "3", [MeshHeaders.StreamEnd] = MeshHeaders.True });
            return SimReply.None;
        });
        var seen = new List<int>();
        var done = Signal<bool>();

        var requestId = await Client.SendAsync(name, null, new SendOptions
        {
            OnReply = r =>
            {
                lock (seen)
                {
                    seen.Add(r.Deserialize<JsonElement>().GetProperty("i").GetInt32());
                    if (seen.Count == 3)
                    {
                        done.TrySetResult(true);
                    }
                }

                return ValueTask.CompletedTask;
            },
        });

        await done.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await Sim.WaitForNoInterestAsync(MeshSubjects.Results(requestId));
        Assert.Equal([0, 1, 2], seen);
    }

    [Fact]
    public async Task ReplyTo_sets_the_header_and_the_NATS_reply_subject()
    {
        var name = Wait.Name();
        var agent = await Sim.ServeEchoAsync(name);
        var replyTo = MeshSubjects.Results(MeshIds.New());
        await using var sub = await Client.Connection.SubscribeCoreAsync(replyTo, serializer: NatsRawSerializer<byte[]>.Default);
        await Client.Connection.PingAsync();

        var requestId = await Client.SendAsync(name, new { message = "manual" }, new SendOptions { ReplyTo = replyTo });

        var request = await agent.NextRequestAsync();
        Assert.Equal(replyTo, request.ReplyTo);
        Assert.Equal(replyTo, request.Header(MeshHeaders.ReplyTo));
        Assert.Equal(requestId, request.RequestId);
        var msg = await sub.Msgs.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Contains("Echo: manual", System.Text.Encoding.UTF8.GetString(msg.Data!));
    }

    [Fact]
    public async Task ReplyTo_and_callbacks_are_mutually_exclusive()
    {
        var e = await Assert.ThrowsAsync<ArgumentException>(() => Client.SendAsync(Wait.Name(), null, new SendOptions
        {
            ReplyTo = "mesh.results.x",
            OnReply = _ => ValueTask.CompletedTask,
        }).AsTask());

        Assert.Contains("mutually exclusive", e.Message);
        await Assert.ThrowsAsync<ArgumentException>(() => Client.SendAsync(Wait.Name(), null, new SendOptions { ReplyTo = "bad.>" }).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => Client.SendAsync("a..b").AsTask());
    }

    [Fact]
    public async Task Send_carries_conversation_and_caller_headers_and_callback_failures_do_not_leak()
    {
        var name = Wait.Name();
        var agent = await Sim.ServeEchoAsync(name);

        var requestId = await Client.SendAsync(name, new { message = "x" }, new SendOptions
        {
            ConversationId = "conv-9",
            Headers = new Dictionary<string, string> { ["X-Custom"] = "1" },
            OnReply = _ => throw new InvalidOperationException("callback bug"),
        });

        var request = await agent.NextRequestAsync();
        Assert.Equal("conv-9", request.Header(MeshHeaders.ConversationId));
        Assert.Equal("1", request.Header("X-Custom"));
        await Sim.WaitForNoInterestAsync(MeshSubjects.Results(requestId));
    }

    [Fact]
    public async Task Default_send_inactivity_timeout_is_60_seconds()
    {
        Assert.Equal(TimeSpan.FromSeconds(60), MeshClientOptions.Default.SendTimeout);
        await Task.CompletedTask;
    }

    [Fact]
    public async Task Disposing_the_client_ends_pending_sends_silently()
    {
        await using var client = await MeshClient.ConnectAsync(Fixture.Server.Url);
        var name = Wait.Name();
        var agent = await Sim.ServeAsync(name, _ => ValueTask.FromResult(SimReply.None));
        var errors = 0;

        var requestId = await client.SendAsync(name, null, new SendOptions
        {
            OnError = _ =>
            {
                Interlocked.Increment(ref errors);
                return ValueTask.CompletedTask;
            },
        });
        // The agent got the request, so the results subscription (made before publishing) is in place; no probe here,
        // since a probe message would count as the reply.
        Assert.Equal(requestId, (await agent.NextRequestAsync()).RequestId);
        await client.DisposeAsync();

        await Sim.WaitForNoInterestAsync(MeshSubjects.Results(requestId));
        Assert.Equal(0, errors);
    }

    [Fact]
    public async Task A_callback_that_throws_ends_the_send_and_is_logged_as_a_warning_with_the_exception()
    {
        var name = Wait.Name();
        await Sim.ServeEchoAsync(name);
        var logs = new RecordingLoggerFactory();
        await using var client = await MeshClient.ConnectAsync(Fixture.Server.Url, new MeshClientOptions { LoggerFactory = logs });
        var boom = new InvalidOperationException("callback bug");

        var requestId = await client.SendAsync(name, new { message = "hi" }, new SendOptions { OnReply = _ => throw boom });

        await Poll.UntilAsync(() => logs.Entries.Any(e => e.Exception == boom), "the callback failure is logged");
        var entry = logs.Entries.Single(e => e.Exception == boom);
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Warning, entry.Level);
        Assert.Contains(requestId, entry.Message, StringComparison.Ordinal);
        Assert.Contains(name, entry.Message, StringComparison.Ordinal);
    }
}
