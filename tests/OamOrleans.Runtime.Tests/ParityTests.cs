using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using NATS.Client.Core;
using NATS.Client.KeyValueStore;
using NATS.Net;
using OamOrleans.Protocol;
using static OamOrleans.Runtime.Tests.RawNats;
using static OamOrleans.Runtime.Tests.WireConformanceTests;

namespace OamOrleans.Runtime.Tests;

/// <summary>Streaming, usage, logs and async send of C#-hosted agents, driven by a raw NATS client (protocol §5).</summary>
[Collection(MeshCollection.Name)]
[Trait("Category", "Integration")]
public sealed class ParityTests(MeshFixture mesh)
{
    private async Task<List<NatsMsg<byte[]>>> StreamAsync(string agent, string body, string? rid = null)
    {
        rid ??= MeshIds.New();
        await using var frames = await mesh.Raw.SubscribeCoreAsync<byte[]>(MeshSubjects.Stream(rid));
        await mesh.Raw.PublishAsync(MeshSubjects.Agent(agent), Encoding.UTF8.GetBytes(body),
            headers: new NatsHeaders { ["X-Mesh-Request-Id"] = rid, ["X-Mesh-Stream"] = "true" });
        var list = new List<NatsMsg<byte[]>>();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await foreach (var msg in frames.Msgs.ReadAllAsync(cts.Token))
        {
            list.Add(msg);
            if (Header(msg, "X-Mesh-Stream-End") == "true")
            {
                break;
            }
        }

        return list;
    }

    [Fact]
    public async Task Stream_chunks_are_numbered_frames_ending_with_an_empty_end_frame_carrying_the_count_and_usage()
    {
        var rid = MeshIds.New();
        var frames = await StreamAsync("demo.words", """{"message":"a b c"}""", rid);

        Assert.Equal(4, frames.Count);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(i.ToString(), Header(frames[i], "X-Mesh-Stream-Seq"));
            Assert.Equal("false", Header(frames[i], "X-Mesh-Stream-End"));
            Assert.Equal(rid, Header(frames[i], "X-Mesh-Request-Id"));
            Assert.Equal(mesh.Silo.Mesh.InstanceId, Header(frames[i], "X-Mesh-Instance-Id"));
            Assert.False(HasHeader(frames[i], "X-Mesh-Usage"));
        }

        Assert.Equal(["a", "b", "c"], frames.Take(3).Select(f => Json(f).GetProperty("text").GetString()));
        var end = frames[3];
        Assert.Empty(end.Data ?? []);
        Assert.Equal("3", Header(end, "X-Mesh-Stream-Seq"));
        Assert.Equal("true", Header(end, "X-Mesh-Stream-End"));
        Assert.False(HasHeader(end, "X-Mesh-Status"));
        var usage = JsonNode.Parse(Header(end, "X-Mesh-Usage"))!;
        Assert.Equal(3, (int)usage["input_tokens"]!);
        Assert.Equal("words-1", (string?)usage["model"]);
    }

    [Fact]
    public async Task Stream_error_after_partial_output_ends_with_an_error_frame_without_sequence_and_a_dead_letter()
    {
        await using var errors = await mesh.Raw.SubscribeCoreAsync<byte[]>("mesh.errors.test.stream");
        var rid = MeshIds.New();
        var frames = await StreamAsync("test.stream", """{"chunks":5,"failAfter":2}""", rid);

        Assert.Equal(3, frames.Count);
        Assert.Equal([0, 1], frames.Take(2).Select(f => Json(f).GetInt32()));
        var error = frames[2];
        Assert.False(HasHeader(error, "X-Mesh-Stream-Seq"));
        Assert.Equal("true", Header(error, "X-Mesh-Stream-End"));
        Assert.Equal("error", Header(error, "X-Mesh-Status"));
        Assert.Equal(rid, Header(error, "X-Mesh-Request-Id"));
        var envelope = Json(error);
        Assert.Equal("handler_error", envelope.GetProperty("code").GetString());
        Assert.Equal("stream broke at 2", envelope.GetProperty("message").GetString());
        Assert.Equal(rid, envelope.GetProperty("request_id").GetString());
        await NextAsync(errors, m => Header(m, "X-Mesh-Request-Id") == rid);
    }

    [Fact]
    public async Task Invalid_stream_input_is_an_error_frame_on_the_stream_subject()
    {
        var frames = await StreamAsync("test.stream", """{"chunks":"many"}""");
        var error = Assert.Single(frames);
        Assert.Equal("invalid_input", Json(error).GetProperty("code").GetString());
        Assert.Equal("error", Header(error, "X-Mesh-Status"));
    }

    [Fact]
    public async Task Calling_a_streamer_is_invocation_mismatch()
    {
        var envelope = Json(await RequestAsync(mesh.Raw, "demo.words", """{"message":"x"}"""));
        Assert.Equal("invocation_mismatch", envelope.GetProperty("code").GetString());
        Assert.Equal("Agent 'demo.words' is streaming-only. Use stream() instead", envelope.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Stream_request_without_request_id_is_refused_on_the_dead_letter_subject()
    {
        await using var errors = await mesh.Raw.SubscribeCoreAsync<byte[]>("mesh.errors.demo.words");
        await mesh.Raw.PublishAsync("mesh.agent.demo.words", """{"message":"x"}"""u8.ToArray(), headers: new NatsHeaders { ["X-Mesh-Stream"] = "true" });
        var copy = await NextAsync(errors, m => Json(m).GetProperty("code").GetString() == "invalid_input");
        Assert.Contains("X-Mesh-Request-Id", Json(copy).GetProperty("message").GetString());
    }

    [Fact]
    public async Task Chunks_flow_one_by_one_as_they_are_produced()
    {
        var rid = MeshIds.New();
        await using var frames = await mesh.Raw.SubscribeCoreAsync<byte[]>(MeshSubjects.Stream(rid));
        await mesh.Raw.PublishAsync("mesh.agent.test.stream", """{"chunks":3,"delayMs":400}"""u8.ToArray(),
            headers: new NatsHeaders { ["X-Mesh-Request-Id"] = rid, ["X-Mesh-Stream"] = "true" });
        var first = await NextAsync(frames, _ => true);
        var firstAt = DateTime.UtcNow;
        Assert.Equal("0", Header(first, "X-Mesh-Stream-Seq"));
        var end = await NextAsync(frames, m => Header(m, "X-Mesh-Stream-End") == "true");
        // The last two chunks take 800 ms more: the first one was not held back until the end.
        Assert.True(DateTime.UtcNow - firstAt > TimeSpan.FromMilliseconds(600));
        Assert.Equal("3", Header(end, "X-Mesh-Stream-Seq"));
    }

    [Fact]
    public async Task Usage_reports_merge_into_the_reply_header_only_when_reported()
    {
        var reply = await RequestAsync(mesh.Raw, "test.usage", "\"u\"");
        var usage = JsonNode.Parse(Header(reply, "X-Mesh-Usage"))!.AsObject();
        Assert.Equal(15, (int)usage["input_tokens"]!);
        Assert.Equal(2, (int)usage["output_tokens"]!);
        Assert.Equal("m2", (string?)usage["model"]);
        Assert.Equal(0.75, (double)usage["estimated_cost_usd"]!, 6);
        Assert.False(usage.ContainsKey("total_tokens"));

        Assert.False(HasHeader(await RequestAsync(mesh.Raw, "demo.echo", """{"message":"no usage"}"""), "X-Mesh-Usage"));
    }

    [Fact]
    public async Task Replies_go_to_mesh_results_and_to_reply_to_subjects_for_async_send()
    {
        var rid = MeshIds.New();
        await using var results = await mesh.Raw.SubscribeCoreAsync<byte[]>(MeshSubjects.Results(rid));
        await mesh.Raw.PublishAsync("mesh.agent.demo.echo", """{"message":"later"}"""u8.ToArray(),
            headers: new NatsHeaders { ["X-Mesh-Request-Id"] = rid }, replyTo: MeshSubjects.Results(rid));
        var managed = await NextAsync(results, _ => true);
        Assert.Equal("Echo: later", Json(managed).GetProperty("reply").GetString());
        Assert.Equal(rid, Header(managed, "X-Mesh-Request-Id"));

        var manual = "mesh.results." + MeshIds.New();
        await using var inbox = await mesh.Raw.SubscribeCoreAsync<byte[]>(manual);
        await mesh.Raw.PublishAsync("mesh.agent.demo.fail", """{"message":"m"}"""u8.ToArray(),
            headers: new NatsHeaders { ["X-Mesh-Request-Id"] = MeshIds.New(), ["X-Mesh-Reply-To"] = manual }, replyTo: manual);
        var failed = await NextAsync(inbox, _ => true);
        Assert.Equal("handler_error", Json(failed).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Streamers_and_publishers_have_reference_catalog_flags_and_chunk_schemas()
    {
        var kv = mesh.Raw.CreateKeyValueStoreContext();
        var catalog = JsonNode.Parse((await (await kv.GetStoreAsync("mesh-catalog")).GetEntryAsync<byte[]>("catalog")).Value!)!.AsArray();
        var words = catalog.Single(e => (string?)e!["name"] == "demo.words")!;
        Assert.True((bool)words["invocable"]! && (bool)words["streaming"]!);
        var ticker = catalog.Single(e => (string?)e!["name"] == "demo.ticker")!;
        Assert.False((bool)ticker["invocable"]!);
        Assert.True((bool)ticker["streaming"]!);

        var registry = await kv.GetStoreAsync("mesh-registry");
        var contract = JsonNode.Parse((await registry.GetEntryAsync<byte[]>("demo.words")).Value!)!;
        var skill = contract["skills"]![0]!.AsObject();
        Assert.True(skill.ContainsKey("inputSchema"));
        Assert.False(skill.ContainsKey("outputSchema"));
        Assert.Equal("Delta", (string?)contract["x-agentmesh"]!["chunk_schema"]!["title"]);
        var tick = JsonNode.Parse((await registry.GetEntryAsync<byte[]>("demo.ticker")).Value!)!;
        Assert.False(tick["skills"]![0]!.AsObject().ContainsKey("inputSchema"));
        Assert.NotNull(tick["x-agentmesh"]!["chunk_schema"]);
    }

    [Fact]
    public async Task Publisher_events_are_numbered_from_zero_without_request_id()
    {
        await using var events = await mesh.Raw.SubscribeCoreAsync<byte[]>(MeshSubjects.Events("test.pulse"));
        var first = await NextAsync(events, _ => true);
        var second = await NextAsync(events, _ => true);
        Assert.Equal(long.Parse(Header(first, "X-Mesh-Stream-Seq")) + 1, long.Parse(Header(second, "X-Mesh-Stream-Seq")));
        Assert.Equal("false", Header(second, "X-Mesh-Stream-End"));
        Assert.Equal(mesh.Silo.Mesh.InstanceId, Header(second, "X-Mesh-Instance-Id"));
        Assert.False(HasHeader(second, "X-Mesh-Request-Id"));
        Assert.Equal(Json(first).GetInt32() + 1, Json(second).GetInt32());
    }

    [Fact]
    public async Task Publishers_are_not_invocable()
    {
        await Assert.ThrowsAsync<NatsNoRespondersException>(async () => await RequestAsync(mesh.Raw, "demo.ticker", "{}"));
    }

    [Fact]
    public async Task Log_events_follow_mesh_observability_levels_live()
    {
        var kv = mesh.Raw.CreateKeyValueStoreContext();
        var levels = await kv.GetStoreAsync("mesh-observability");
        await using var logs = await mesh.Raw.SubscribeCoreAsync<byte[]>("mesh.logs.demo.greet");

        // Default level info: a successful request publishes nothing; a failure is a warn.
        var quiet = MeshIds.New();
        await RequestAsync(mesh.Raw, "demo.greet", "\"q\"", quiet);
        var invalid = MeshIds.New();
        await RequestAsync(mesh.Raw, "demo.greet", "42", invalid);
        var warn = await NextAsync(logs, m => Json(m).GetProperty("request_id").GetString() == invalid);
        Assert.Equal(["timestamp", "level", "agent", "event", "request_id", "message", "data"], Json(warn).EnumerateObject().Select(p => p.Name));
        Assert.Equal("validation_error", Json(warn).GetProperty("event").GetString());
        Assert.Equal("warn", Json(warn).GetProperty("level").GetString());
        Assert.Equal("invalid_input", Json(warn).GetProperty("data").GetProperty("code").GetString());
        Assert.Equal(mesh.Silo.Mesh.InstanceId, Header(warn, "X-Mesh-Instance-Id"));

        // Per-agent debug, changed live: request_received and request_completed appear.
        await levels.PutAsync("demo.greet", """{"log_level": "debug"}"""u8.ToArray());
        JsonElement completed = default;
        // Each attempt waits on the wire (a request, then up to 300 ms for its debug log), so no pause between them.
        await Poll.UntilAsync(async () =>
        {
            var rid = MeshIds.New();
            await RequestAsync(mesh.Raw, "demo.greet", "\"d\"", rid);
            completed = Json(await NextAsync(logs, m => Json(m).GetProperty("request_id").GetString() == rid && Json(m).GetProperty("event").GetString() == "request_completed", TimeSpan.FromMilliseconds(300)));
            return true;
        }, "the debug level of demo.greet applies (a request_completed log arrives)", TimeSpan.FromSeconds(10), interval: TimeSpan.Zero);

        Assert.Equal("debug", completed.GetProperty("level").GetString());
        Assert.StartsWith("Request completed in ", completed.GetProperty("message").GetString());
        Assert.True(completed.GetProperty("data").GetProperty("duration_ms").GetInt64() >= 0);

        // off silences even warnings; deleting the key returns to the default.
        await levels.PutAsync("demo.greet", """{"log_level": "off"}"""u8.ToArray());
        await levels.DeleteAsync("demo.greet");
        await levels.PutAsync("global", """{"log_level": "info"}"""u8.ToArray());
    }

    [Fact]
    public async Task Reported_usage_is_published_as_a_usage_reported_event()
    {
        await using var logs = await mesh.Raw.SubscribeCoreAsync<byte[]>("mesh.logs.test.usage");
        var rid = MeshIds.New();
        await RequestAsync(mesh.Raw, "test.usage", "\"x\"", rid);
        var evt = Json(await NextAsync(logs, m => Json(m).GetProperty("event").GetString() == "usage_reported"));
        Assert.Equal("info", evt.GetProperty("level").GetString());
        Assert.Equal(rid, evt.GetProperty("request_id").GetString());
        Assert.Equal(15, evt.GetProperty("data").GetProperty("input_tokens").GetInt32());
    }
}
