using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Net;
using OamOrleans.Client;
using OamOrleans.Testing;

namespace OamOrleans.Runtime.Tests;

/// <summary>
/// A silo joining a mesh whose buckets the reference Python SDK made (allow_direct false, §4.4): reading a missing key
/// there is a JetStream API error (10037), which used to abort the silo at start.
/// </summary>
[Collection(ReferenceBucketsMeshCollection.Name)]
[Trait("Category", "Integration")]
public sealed class ReferenceBucketsTests(ReferenceBucketsMeshFixture mesh)
{
    [Fact]
    public async Task Silo_started_on_reference_made_buckets_with_no_catalog_key_registers_and_serves_a_call()
    {
        var reply = await RawNats.RequestAsync(mesh.Raw, "demo.echo", """{"message":"hi"}""");
        Assert.Equal("Echo: hi", (string?)JsonNode.Parse(reply.Data)!["reply"]);

        await using var client = await MeshClient.ConnectAsync(mesh.Nats.Url);
        Assert.Contains(await client.CatalogAsync(), e => e.Name == "demo.echo");
    }

    [Fact]
    public async Task The_silo_keeps_the_reference_bucket_settings_it_found()
    {
        var js = mesh.Raw.CreateJetStreamContext();
        foreach (var bucket in ReferenceMeshBuckets.Names)
        {
            var stream = await js.GetStreamAsync($"KV_{bucket}");
            Assert.False(stream.Info.Config.AllowDirect, bucket);
        }
    }

    [Fact]
    public async Task Missing_deleted_and_purged_keys_read_as_absent_through_the_client()
    {
        await using var client = await MeshClient.ConnectAsync(mesh.Nats.Url);
        var key = $"ref-{Guid.NewGuid():N}";
        Assert.Null(await client.Kv.TryGetEntryAsync(key));
        await Assert.ThrowsAsync<NotFoundException>(async () => await client.Kv.GetAsync(key));

        await client.Kv.PutAsync(key, "v1");
        Assert.Equal("v1", await client.Kv.GetAsync(key));
        await client.Kv.DeleteAsync(key);
        Assert.Null(await client.Kv.TryGetEntryAsync(key));

        await client.Kv.PutAsync(key, "v2");
        var store = await mesh.Raw.CreateKeyValueStoreContext().GetStoreAsync("mesh-context");
        await store.PurgeAsync(key);
        Assert.Null(await client.Kv.TryGetEntryAsync(key));
    }
}

/// <summary>A KV error at start is retried with backoff; the silo reports itself started only once it is registered.</summary>
[Trait("Category", "Integration")]
public sealed class StartRetryTests : OwnNatsServerTests
{
    [Fact]
    public async Task A_catalog_that_cannot_be_written_for_a_while_delays_the_start_instead_of_crashing_it()
    {
        // The reference's buckets, but mesh-catalog refuses any message over 16 bytes: every catalog write fails.
        foreach (var bucket in ReferenceMeshBuckets.Names)
        {
            var config = ReferenceMeshBuckets.StreamConfig(bucket);
            await ReferenceMeshBuckets.CreateStreamAsync(Raw, bucket, bucket == "mesh-catalog" ? config.Replace("\"max_msg_size\": -1", "\"max_msg_size\": 16") : config);
        }

        var logs = new LogSink();
        var starting = TestSilo.StartAsync(Nats.Url, configure: o => o.StartRetryMaxDelay = TimeSpan.FromMilliseconds(300), logs: logs);
        var retry = await logs.WaitForAsync(
            r => r.Level == LogLevel.Warning && r.Message.Contains("KV bucket 'mesh-catalog' key 'catalog' failed", StringComparison.Ordinal),
            "a retried catalog write", TimeSpan.FromSeconds(30));
        Assert.Contains("retrying in", retry.Message, StringComparison.Ordinal);
        Assert.False(starting.IsCompleted);
        Assert.DoesNotContain(logs.Records, r => r.Message.StartsWith("Mesh host started", StringComparison.Ordinal));

        // Fix the bucket: the next attempt goes through and the silo comes up.
        await Raw.RequestAsync<byte[], byte[]>("$JS.API.STREAM.UPDATE.KV_mesh-catalog", Encoding.UTF8.GetBytes(ReferenceMeshBuckets.StreamConfig("mesh-catalog")));
        await using var silo = await starting.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Contains(logs.Records, r => r.Message.StartsWith("Mesh host started", StringComparison.Ordinal));
        var reply = await RawNats.RequestAsync(Raw, "demo.echo", """{"message":"after"}""");
        Assert.Equal("Echo: after", (string?)JsonNode.Parse(reply.Data)!["reply"]);
    }
}
