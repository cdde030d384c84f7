using System.Text.Json;
using NATS.Client.Core;
using NATS.Client.KeyValueStore;
using NATS.Net;
using OamOrleans.Client;
using OamOrleans.Protocol;
using static OamOrleans.Runtime.Tests.Bytes;

namespace OamOrleans.Runtime.Tests;

/// <summary>Subject and KV sources and source-only agents (§7.2), driven by raw NATS publishes and shared-context writes.</summary>
[Collection(SourceGateCollection.Name)]
[Trait("Category", "Integration")]
public sealed class SourceTests(SourceGateFixture mesh)
{
    [Fact]
    public async Task Subject_source_delivers_the_message_deserialized_as_the_agents_input_type()
    {
        await mesh.Raw.PublishAsync("srctest.model.kitchen", Utf8("""{"sensor":"kitchen","value":21.5}"""));

        await SourceSink.WaitAsync(() => SourceSink.Of<Reading>("test.src.model").Any(r => r.Item.Sensor == "kitchen"), "the reading");
        Assert.Equal(21.5, SourceSink.Of<Reading>("test.src.model").Single(r => r.Item.Sensor == "kitchen").Item.Value);
    }

    [Fact]
    public async Task Subject_source_delivers_raw_bytes_and_a_failing_handler_is_only_logged()
    {
        await mesh.Raw.PublishAsync("srctest.raw", Utf8("boom"));
        await mesh.Raw.PublishAsync("srctest.raw", new byte[] { 0xff, 0x00, 0x7b });

        await SourceSink.WaitAsync(() => SourceSink.Of<byte[]>("test.src.raw").Any(), "the raw payload");
        Assert.Equal(new byte[] { 0xff, 0x00, 0x7b }, SourceSink.Of<byte[]>("test.src.raw").Single().Item);
    }

    [Fact]
    public async Task Subject_source_delivers_a_MeshMessage_envelope_with_subject_headers_and_typed_payload()
    {
        await mesh.Raw.PublishAsync("srctest.env.hall", Utf8("""{"sensor":"hall","value":3}"""), headers: new NatsHeaders { ["X-Trace"] = "t-1" });

        await SourceSink.WaitAsync(() => SourceSink.Of<MeshMessage<Reading>>("test.src.envelope").Any(), "the envelope");
        var message = SourceSink.Of<MeshMessage<Reading>>("test.src.envelope").Single().Item;
        Assert.Equal("srctest.env.hall", message.Subject);
        Assert.Equal("t-1", message.Headers["X-Trace"]);
        Assert.Equal(new Reading("hall", 3), message.Payload);
    }

    [Fact]
    public async Task Subject_source_with_a_queue_group_splits_the_messages_across_the_silos_each_handled_once()
    {
        const int n = 40;
        for (var i = 0; i < n; i++)
        {
            await mesh.Raw.PublishAsync("srctest.queued", Utf8($"\"m{i}\""));
        }

        await SourceSink.WaitAsync(() => SourceSink.Of<string>("test.src.queued").Count >= n, $"{n} queued messages");
        var got = SourceSink.Of<string>("test.src.queued");
        Assert.Equal(n, got.Count);
        Assert.Equal(n, got.Select(g => g.Item).Distinct().Count());
        Assert.Equal(
            new[] { mesh.MeshA.InstanceId, mesh.MeshB.InstanceId }.Order(),
            got.Select(g => g.Instance).Distinct().Order());
    }

    [Fact]
    public async Task Kv_source_replays_the_existing_entries_then_delivers_puts_and_deletes_as_typed_KvEntry()
    {
        var replayed = SourceSink.Of<KvEntry<Reading>>("test.src.kvreplay").Single(e => e.Item.Key == "srcreplay.a").Item;
        Assert.Equal(new Reading("a", 1), replayed.Value);
        Assert.Equal(KvOperation.Put, replayed.Operation);

        var revision = await mesh.Client.Kv.PutJsonAsync("srcreplay.b", new Reading("b", 2));
        await mesh.Client.Kv.DeleteAsync("srcreplay.b");

        await SourceSink.WaitAsync(() => SourceSink.Of<KvEntry<Reading>>("test.src.kvreplay").Count(e => e.Item.Key == "srcreplay.b") >= 2, "put and delete");
        var b = SourceSink.Of<KvEntry<Reading>>("test.src.kvreplay").Where(e => e.Item.Key == "srcreplay.b").Select(e => e.Item).ToList();
        Assert.Equal(new KvEntry<Reading>("srcreplay.b", new Reading("b", 2), revision, KvOperation.Put), b[0]);
        Assert.Equal(KvOperation.Delete, b[1].Operation);
        Assert.Null(b[1].Value);
        Assert.True(b[1].Revision > revision);
    }

    [Fact]
    public async Task Kv_source_with_skip_ignores_the_entries_present_at_start()
    {
        await mesh.Client.Kv.PutAsync("srcskip.new", "fresh");

        await SourceSink.WaitAsync(() => SourceSink.Of<KvEntry<string>>("test.src.kvskip").Any(e => e.Item.Key == "srcskip.new"), "the new entry");
        var keys = SourceSink.Of<KvEntry<string>>("test.src.kvskip").Select(e => e.Item.Key).ToList();
        Assert.DoesNotContain("srcskip.old", keys);
        Assert.Equal("fresh", SourceSink.Of<KvEntry<string>>("test.src.kvskip").Single(e => e.Item.Key == "srcskip.new").Item.Value);
    }

    [Fact]
    public async Task Source_only_agent_is_in_the_catalog_as_neither_invocable_nor_streaming_without_schemas_and_nobody_answers_calls()
    {
        var entry = (await mesh.Client.CatalogAsync()).Single(e => e.Name == "test.src.raw");
        Assert.False(entry.Invocable);
        Assert.False(entry.Streaming);

        var registry = await mesh.Raw.CreateKeyValueStoreContext().GetStoreAsync("mesh-registry");
        var contract = JsonDocument.Parse((await registry.GetEntryAsync<byte[]>("test.src.raw")).Value!).RootElement;
        Assert.False(contract.GetProperty("capabilities").GetProperty("invocable").GetBoolean());
        Assert.False(contract.GetProperty("capabilities").GetProperty("streaming").GetBoolean());
        var skill = contract.GetProperty("skills")[0];
        Assert.False(skill.TryGetProperty("inputSchema", out _));
        Assert.False(skill.TryGetProperty("outputSchema", out _));

        await Assert.ThrowsAsync<NatsNoRespondersException>(() => RawNats.RequestAsync(mesh.Raw, "test.src.raw", "{}"));
        await Assert.ThrowsAsync<InvocationMismatchException>(() => mesh.Client.CallAsync<string>("test.src.raw", "x").AsTask());
    }

    [Fact]
    public async Task Responder_with_a_source_answers_calls_and_handles_the_subjects_messages()
    {
        Assert.Equal("called=1", await mesh.Client.CallAsync<string>("test.src.responder", new Reading("called", 1)));
        await mesh.Raw.PublishAsync("srctest.responder", Utf8("""{"sensor":"published","value":2}"""));

        await SourceSink.WaitAsync(() => SourceSink.Of<Reading>("test.src.responder").Any(r => r.Item.Sensor == "published"), "the published reading");
        var entry = (await mesh.Client.CatalogAsync()).Single(e => e.Name == "test.src.responder");
        Assert.True(entry.Invocable);
    }
}
