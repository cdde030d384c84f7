using System.Text.Json;
using OamOrleans.Protocol;
using Xunit;

namespace OamOrleans.Client.Tests;

/// <summary>Port of the reference TypeScript <c>stream.test.ts</c> plus the client side of the Python streaming P tests, against the simulator.</summary>
[Trait("Category", "Integration")]
public sealed class StreamTests(NatsFixture fx) : SimulatorTests(fx)
{
    private sealed record Delta(string Text);

    /// <summary>A streamer that sends <paramref name="chunks"/> then an end frame (with <paramref name="usage"/>).</summary>
    private Task<SimAgent> ServeStreamerAsync(string name, string[] chunks, string? usage = null) => Sim.ServeAsync(name, async r =>
    {
        for (var i = 0; i < chunks.Length; i++)
        {
            await Sim.PublishChunkAsync(r.RequestId, i, chunks[i]);
        }

        await Sim.PublishEndAsync(r.RequestId, chunks.Length, usage);
        return SimReply.None;
    });

    private static async Task<List<T>> Collect<T>(IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (var item in items)
        {
            list.Add(item);
        }

        return list;
    }

    [Fact]
    public async Task Chunks_arrive_in_order_until_the_end_frame()
    {
        var name = Wait.Name("demo");
        await ServeStreamerAsync(name, [.. Enumerable.Range(0, 20).Select(i => $$"""{"text":"t{{i}}"}""")]);

        var stream = Client.StreamAsync<Delta>(name, new { topic = "x" });
        var chunks = await Collect(stream);

        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"t{i}"), chunks.Select(c => c.Text));
        Assert.True(stream.IsCompleted);
        Assert.Equal(20, stream.Count);
        Assert.Equal("20", stream.EndFrame!.Header(MeshHeaders.StreamSeq));
        Assert.Null(stream.Usage);
    }

    [Fact]
    public async Task Stream_request_carries_stream_true_request_and_instance_ids_and_no_reply_subject()
    {
        var name = Wait.Name();
        var agent = await ServeStreamerAsync(name, ["""{"text":"a"}"""]);

        var stream = Client.StreamAsync<Delta>(name, new { topic = "x" }, new CallOptions { ConversationId = "c-1" });
        await Collect(stream);

        var request = await agent.NextRequestAsync();
        Assert.Equal(MeshHeaders.True, request.Header(MeshHeaders.Stream));
        Assert.Equal(stream.RequestId, request.RequestId);
        Assert.Matches("^[0-9a-f]{32}$", request.RequestId);
        Assert.Equal(Client.InstanceId, request.Header(MeshHeaders.InstanceId));
        Assert.Equal("c-1", request.Header(MeshHeaders.ConversationId));
        Assert.Null(request.ReplyTo);
        Assert.Equal("x", JsonDocument.Parse(request.Body).RootElement.GetProperty("topic").GetString());
    }

    [Fact]
    public async Task Caller_headers_cannot_change_the_request_id_or_the_stream_flag()
    {
        var name = Wait.Name();
        var agent = await ServeStreamerAsync(name, ["""{"text":"a"}"""]);

        var stream = Client.StreamRawAsync(name, ReadOnlyMemory<byte>.Empty, new CallOptions
        {
            Headers = new Dictionary<string, string> { [MeshHeaders.RequestId] = "forged", [MeshHeaders.Stream] = "false", ["X-Custom"] = "1", [MeshHeaders.InstanceId] = "mine" },
        });
        await Collect(stream);

        var request = await agent.NextRequestAsync();
        Assert.Equal(stream.RequestId, request.RequestId);
        Assert.Equal(MeshHeaders.True, request.Header(MeshHeaders.Stream));
        Assert.Equal("1", request.Header("X-Custom"));
        Assert.Equal("mine", request.Header(MeshHeaders.InstanceId));
        Assert.Empty(request.Body);
    }

    [Fact]
    public async Task Raw_stream_yields_frames_with_headers_and_exposes_the_end_frame_usage()
    {
        var name = Wait.Name();
        const string usage = """{"input_tokens":10,"output_tokens":2,"model":"m1"}""";
        await ServeStreamerAsync(name, ["""{"text":"a"}""", """{"text":"b"}"""], usage);

        var stream = Client.StreamRawAsync(name, """{"topic":"x"}"""u8.ToArray());
        Assert.Null(stream.Usage);
        var frames = await Collect(stream);

        Assert.Equal([0L, 1L], frames.Select(f => f.Sequence!.Value));
        Assert.All(frames, f => Assert.False(f.IsEnd));
        Assert.All(frames, f => Assert.Equal(stream.RequestId, f.RequestId));
        Assert.All(frames, f => Assert.Equal(Sim.InstanceId, f.InstanceId));
        Assert.Equal(MeshSubjects.Stream(stream.RequestId), frames[0].Subject);
        Assert.Equal("b", frames[1].Deserialize<Delta>()!.Text);
        Assert.Equal(new MeshUsage { InputTokens = 10, OutputTokens = 2, Model = "m1" }, stream.Usage);
        Assert.True(stream.EndFrame!.IsEnd);
        Assert.True(stream.EndFrame.Body.IsEmpty);
    }

    [Fact]
    public async Task Typed_stream_exposes_usage_after_the_loop()
    {
        var name = Wait.Name();
        await ServeStreamerAsync(name, ["""{"text":"a"}"""], """{"total_tokens":7,"estimated_cost_usd":0.5}""");

        var stream = Client.StreamAsync<Delta>(name);
        await Collect(stream);

        Assert.Equal(7, stream.Usage!.TotalTokens);
        Assert.Equal(0.5, stream.Usage.EstimatedCostUsd);
    }

    [Fact]
    public async Task Error_frame_mid_stream_raises_the_typed_error_after_the_partial_chunks()
    {
        var name = Wait.Name("nlp");
        await Sim.ServeAsync(name, async r =>
        {
            await Sim.PublishChunkAsync(r.RequestId, 0, """{"text":"partial"}""");
            await Sim.PublishStreamErrorAsync(r.RequestId,
                $$"""{"code": "handler_error", "message": "boom mid-stream", "agent": "{{name}}", "request_id": "{{r.RequestId}}", "details": {} }""");
            return SimReply.None;
        });

        var received = new List<Delta>();
        var stream = Client.StreamAsync<Delta>(name);
        var e = await Assert.ThrowsAsync<HandlerErrorException>(async () =>
        {
            await foreach (var chunk in stream)
            {
                received.Add(chunk);
            }
        });

        Assert.Equal("partial", Assert.Single(received).Text);
        Assert.Equal("boom mid-stream", e.Message);
        Assert.Equal(name, e.Agent);
        Assert.Equal(stream.RequestId, e.RequestId);
        Assert.False(stream.IsCompleted);
    }

    [Theory]
    [InlineData("invalid_input", typeof(InvalidInputException))]
    [InlineData("invocation_mismatch", typeof(InvocationMismatchException))]
    [InlineData("not_found", typeof(NotFoundException))]
    [InlineData("quota_exceeded", typeof(MeshException))]
    public async Task Error_frame_before_any_chunk_raises_by_code(string code, Type expected)
    {
        var name = Wait.Name();
        await Sim.ServeAsync(name, async r =>
        {
            await Sim.PublishStreamErrorAsync(r.RequestId, $$"""{"code": "{{code}}", "message": "no", "agent": "{{name}}", "request_id": "{{r.RequestId}}", "details": {"k": 1} }""");
            return SimReply.None;
        });

        var e = await Assert.ThrowsAnyAsync<MeshException>(() => Collect(Client.StreamAsync<Delta>(name)));

        Assert.IsType(expected, e);
        Assert.Equal(code, e.Code);
        Assert.Equal(1, e.Details.GetProperty("k").GetInt32());
    }

    [Fact]
    public async Task Error_frame_without_code_is_a_handler_error_and_agent_defaults_to_the_target()
    {
        var name = Wait.Name();
        await Sim.ServeAsync(name, async r =>
        {
            await Sim.PublishStreamErrorAsync(r.RequestId, """{"message": "no code"}""");
            return SimReply.None;
        });

        var e = await Assert.ThrowsAsync<HandlerErrorException>(() => Collect(Client.StreamAsync<Delta>(name)));

        Assert.Equal(MeshErrorCodes.HandlerError, e.Code);
        Assert.Equal(name, e.Agent);
        Assert.Equal("no code", e.Message);
    }

    [Fact]
    public async Task Sequence_gap_raises_ChunkSequenceError_with_expected_and_got()
    {
        var name = Wait.Name();
        await Sim.ServeAsync(name, async r =>
        {
            await Sim.PublishChunkAsync(r.RequestId, 0, """{"text":"a"}""");
            await Sim.PublishChunkAsync(r.RequestId, 2, """{"text":"c"}""");
            await Sim.PublishEndAsync(r.RequestId, 3);
            return SimReply.None;
        });

        var received = new List<Delta>();
        var e = await Assert.ThrowsAsync<ChunkSequenceErrorException>(async () =>
        {
            await foreach (var chunk in Client.StreamAsync<Delta>(name))
            {
                received.Add(chunk);
            }
        });

        Assert.Single(received);
        Assert.Equal(MeshErrorCodes.ChunkSequenceError, e.Code);
        Assert.Equal(1, e.Details.GetProperty("expected_seq").GetInt64());
        Assert.Equal(2, e.Details.GetProperty("got_seq").GetInt64());
        Assert.Equal(name, e.Agent);
    }

    [Fact]
    public async Task Repeated_sequence_number_is_a_sequence_error_too()
    {
        var name = Wait.Name();
        await Sim.ServeAsync(name, async r =>
        {
            await Sim.PublishChunkAsync(r.RequestId, 0, """{"text":"a"}""");
            await Sim.PublishChunkAsync(r.RequestId, 0, """{"text":"a"}""");
            return SimReply.None;
        });

        var e = await Assert.ThrowsAsync<ChunkSequenceErrorException>(() => Collect(Client.StreamAsync<Delta>(name)));

        Assert.Equal(1, e.Details.GetProperty("expected_seq").GetInt64());
        Assert.Equal(0, e.Details.GetProperty("got_seq").GetInt64());
    }

    [Fact]
    public async Task Deadline_is_total_for_the_stream_not_per_chunk()
    {
        var name = Wait.Name();
        await Sim.ServeAsync(name, r =>
        {
            // Keeps producing a chunk every 50 ms, far past the deadline.
            _ = Task.Run(async () =>
            {
                for (var i = 0; i < 200; i++)
                {
                    await Sim.PublishChunkAsync(r.RequestId, i, """{"text":"tick"}""");
                    await Task.Delay(50);
                }
            });
            return ValueTask.FromResult(SimReply.None);
        });

        var received = 0;
        var started = DateTime.UtcNow;
        var e = await Assert.ThrowsAsync<MeshTimeoutException>(async () =>
        {
            await foreach (var _ in Client.StreamAsync<Delta>(name, options: new CallOptions { Timeout = TimeSpan.FromMilliseconds(600) }))
            {
                received++;
            }
        });

        Assert.True(received > 0);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5));
        Assert.Equal(MeshErrorCodes.Timeout, e.Code);
        Assert.Equal($"No message on mesh.agent.{name} within 0.6s", e.Message);
    }

    [Fact]
    public async Task Silent_agent_times_out_with_MeshTimeout()
    {
        var name = Wait.Name();
        var agent = await Sim.ServeAsync(name, _ => ValueTask.FromResult(SimReply.None));

        var stream = Client.StreamAsync<Delta>(name, options: new CallOptions { Timeout = TimeSpan.FromMilliseconds(300) });
        var e = await Assert.ThrowsAsync<MeshTimeoutException>(() => Collect(stream));

        Assert.Equal(stream.RequestId, e.RequestId);
        Assert.Equal(stream.RequestId, (await agent.NextRequestAsync()).RequestId);
    }

    [Fact]
    public async Task Default_stream_deadline_is_60_seconds()
    {
        Assert.Equal(TimeSpan.FromSeconds(60), MeshClientOptions.Default.StreamTimeout);
        Assert.Equal(TimeSpan.FromSeconds(60), Client.Options.StreamTimeout);
        await Task.CompletedTask;
    }

    [Fact]
    public async Task Death_notice_during_a_stream_raises_AgentDied_after_the_chunks_so_far()
    {
        var name = Wait.Name("victim");
        await Sim.ServeAsync(name, async r =>
        {
            await Sim.PublishChunkAsync(r.RequestId, 0, """{"text":"a"}""");
            await Sim.PublishDeathAsync(name);
            return SimReply.None;
        });

        var received = new List<Delta>();
        var stream = Client.StreamAsync<Delta>(name, options: new CallOptions { Timeout = TimeSpan.FromSeconds(20) });
        var started = DateTime.UtcNow;
        var e = await Assert.ThrowsAsync<AgentDiedException>(async () =>
        {
            await foreach (var chunk in stream)
            {
                received.Add(chunk);
            }
        });

        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10));
        Assert.Equal(MeshErrorCodes.AgentDied, e.Code);
        Assert.Equal(stream.RequestId, e.RequestId);
        Assert.Equal(name, e.Notice.Agent);
        Assert.Equal("disconnect", e.Details.GetProperty("reason").GetString());
        Assert.Equal(Sim.InstanceId, e.Details.GetProperty("instance_id").GetString());
        Assert.Single(received);
    }

    [Fact]
    public async Task Cancellation_aborts_the_stream_and_unsubscribes()
    {
        var name = Wait.Name();
        var requested = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await Sim.ServeAsync(name, async r =>
        {
            await Sim.PublishChunkAsync(r.RequestId, 0, """{"text":"a"}""");
            requested.TrySetResult(r.RequestId);
            return SimReply.None;
        });

        using var cts = new CancellationTokenSource();
        var received = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in Client.StreamAsync<Delta>(name, cancellationToken: cts.Token))
            {
                received++;
                await cts.CancelAsync();
            }
        });

        Assert.Equal(1, received);
        await Sim.WaitForNoInterestAsync(MeshSubjects.Stream(await requested.Task));
    }

    [Fact]
    public async Task Breaking_out_early_unsubscribes_from_the_stream_subject()
    {
        var name = Wait.Name();
        await ServeStreamerAsync(name, ["""{"text":"a"}""", """{"text":"b"}""", """{"text":"c"}"""]);

        var stream = Client.StreamAsync<Delta>(name);
        await foreach (var _ in stream)
        {
            break;
        }

        await Sim.WaitForNoInterestAsync(MeshSubjects.Stream(stream.RequestId));
        await Sim.WaitForNoInterestAsync(MeshSubjects.Death(name));
    }

    [Fact]
    public async Task A_stream_can_be_enumerated_only_once_and_sends_nothing_before()
    {
        var name = Wait.Name();
        var agent = await ServeStreamerAsync(name, ["""{"text":"a"}"""]);

        var stream = Client.StreamAsync<Delta>(name);
        Assert.Empty(agent.Requests);
        await Collect(stream);

        await Assert.ThrowsAsync<InvalidOperationException>(() => Collect(stream));
        Assert.Single(agent.Requests);
    }

    [Fact]
    public async Task Invalid_agent_name_throws_before_enumeration()
    {
        Assert.Throws<ArgumentException>(() => Client.StreamAsync<Delta>("a..b"));
        Assert.Throws<ArgumentException>(() => Client.StreamRawAsync("mesh.>", ReadOnlyMemory<byte>.Empty));
        await Task.CompletedTask;
    }

    [Fact]
    public void Retries_asked_for_a_stream_are_refused_before_enumeration()
    {
        var error = Assert.Throws<ArgumentException>(() => Client.StreamAsync<Delta>("demo.words", options: new CallOptions { Retry = new MeshRetryOptions() }));

        Assert.Contains("never retried", error.Message);
        Assert.NotNull(Client.StreamAsync<Delta>("demo.words", options: new CallOptions { Retry = MeshRetryOptions.None }));
    }

    [Fact]
    public async Task Frames_without_seq_count_as_the_expected_one()
    {
        var name = Wait.Name();
        await Sim.ServeAsync(name, async r =>
        {
            await Sim.PublishAsync(MeshSubjects.Stream(r.RequestId), """{"text":"noseq"}""", new() { [MeshHeaders.StreamEnd] = MeshHeaders.False });
            await Sim.PublishChunkAsync(r.RequestId, 1, """{"text":"one"}""");
            await Sim.PublishEndAsync(r.RequestId, 2);
            return SimReply.None;
        });

        var chunks = await Collect(Client.StreamAsync<Delta>(name));

        Assert.Equal(["noseq", "one"], chunks.Select(c => c.Text));
    }
}
