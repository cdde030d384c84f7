using OamOrleans.Client;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OamOrleans.Clustering.Nats;
using OamOrleans.Testing;
using Orleans;
using Orleans.Configuration;
using Orleans.Runtime;
using Xunit;

namespace OamOrleans.Nats.Providers.Tests;

/// <summary>
/// The providers on buckets someone else made the way nats-py does (allow_direct false): a missing key is then a
/// JetStream API error (err_code 10037), not "key not found", and must still read as "no record".
/// </summary>
[Trait("Category", "Integration")]
public sealed class ForeignBucketTests(NatsServerFixture nats) : IClassFixture<NatsServerFixture>
{
    private async Task<string> ForeignBucketAsync(string prefix)
    {
        var bucket = $"{prefix}-{Guid.NewGuid():N}"[..24];
        await using var raw = nats.Server.Connect();
        await ReferenceMeshBuckets.CreateStreamAsync(raw, bucket, ReferenceMeshBuckets.StreamConfig(bucket));
        return bucket;
    }

    [Fact]
    public async Task Grain_storage_reads_clears_and_writes_on_a_bucket_without_direct_get()
    {
        var bucket = await ForeignBucketAsync("state");
        await using var storage = await GrainStorageTests.CreateStorageAsync(nats.Url, "svc-foreign", o => o.BucketName = bucket);
        var grainId = GrainId.Create("agent", "foreign-1");

        var missing = new GrainState<ChatState>(new ChatState { Title = "left over" });
        await storage.ReadStateAsync("conversation", grainId, missing);
        Assert.False(missing.RecordExists);
        Assert.Null(missing.ETag);
        await storage.ClearStateAsync("conversation", grainId, missing); // nothing there: no conflict, no error

        var state = new GrainState<ChatState>(new ChatState { Title = "hello" });
        await storage.WriteStateAsync("conversation", grainId, state);
        await storage.ClearStateAsync("conversation", grainId, state);
        var afterClear = new GrainState<ChatState>();
        await storage.ReadStateAsync("conversation", grainId, afterClear);
        Assert.False(afterClear.RecordExists);

        await storage.WriteStateAsync("conversation", grainId, afterClear);
        var read = new GrainState<ChatState>();
        await storage.ReadStateAsync("conversation", grainId, read);
        Assert.True(read.RecordExists);
        Assert.Equal(afterClear.ETag, read.ETag);
    }

    [Fact]
    public async Task Membership_table_starts_and_cleans_up_on_a_bucket_without_direct_get()
    {
        var bucket = await ForeignBucketAsync("members");
        var clusterId = "foreign-" + Guid.NewGuid().ToString("N")[..8];
        await using var table = new NatsMembershipTable(
            Options.Create(new NatsClusteringOptions { Endpoint = new MeshEndpoint(nats.Url), BucketName = bucket }),
            Options.Create(new ClusterOptions { ClusterId = clusterId, ServiceId = "svc" }),
            NullLogger<NatsMembershipTable>.Instance);
        await table.InitializeMembershipTable(true);

        var data = await table.ReadAll();
        Assert.Empty(data.Members);
        Assert.Equal(0, data.Version.Version);

        await table.DeleteMembershipTableEntries(clusterId);
        Assert.Empty((await table.ReadAll()).Members);
    }
}
