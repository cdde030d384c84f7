using System.Text.Json.Nodes;
using OamOrleans.Testing;

namespace OamOrleans.Cli.Tests;

/// <summary><c>oam mesh buckets</c> on a real 3-node JetStream cluster, and <c>oam mesh up --replicas</c>'s refusal.</summary>
[Trait("Category", "Integration")]
public sealed class MeshBucketsCommandTests
{
    [Fact]
    public async Task Mesh_buckets_creates_them_with_three_replicas_on_a_cluster_given_a_seed_list_and_lists_where_they_are()
    {
        await using var cluster = await NatsCluster.StartAsync();

        var made = await OamTool.RunAsync(["mesh", "buckets", "--replicas", "3", "--json"], url: cluster.Urls, timeout: TimeSpan.FromSeconds(90));

        Assert.True(made.ExitCode == 0, made.ToString());
        var rows = JsonNode.Parse(made.Stdout)!.AsArray();
        Assert.Equal([.. Protocol.MeshBuckets.KeyValue, "mesh-artifacts"], rows.Select(r => r!["bucket"]!.GetValue<string>()));
        Assert.All(rows, r => Assert.Equal(3, r!["replicas"]!.GetValue<int>()));
        Assert.All(rows, r => Assert.Contains("(leader)", r!["placement"]!.GetValue<string>(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Mesh_buckets_names_a_bucket_with_too_few_replicas_and_raises_it_only_with_reconcile()
    {
        await using var cluster = await NatsCluster.StartAsync();
        var first = await OamTool.RunAsync(["mesh", "buckets"], url: cluster.Nodes[0].Url, timeout: TimeSpan.FromSeconds(90));
        Assert.True(first.ExitCode == 0, first.ToString()); // OAM_REPLICAS unset: one replica, like the reference

        var short3 = await OamTool.RunAsync(["mesh", "buckets"], url: cluster.Urls, env: new Dictionary<string, string> { ["OAM_REPLICAS"] = "3" }, timeout: TimeSpan.FromSeconds(90));
        Assert.Equal(1, short3.ExitCode);
        Assert.Contains("Warning: mesh-catalog has 1 replica(s), 3 wanted; run again with --reconcile to raise it.", short3.Stderr, StringComparison.Ordinal);

        var raised = await OamTool.RunAsync(["mesh", "buckets", "--replicas", "3", "--reconcile", "--json"], url: cluster.Urls, timeout: TimeSpan.FromSeconds(90));
        Assert.True(raised.ExitCode == 0, raised.ToString());
        Assert.Contains("Raised mesh-catalog from 1 to 3 replicas.", raised.Stderr, StringComparison.Ordinal);
        Assert.All(JsonNode.Parse(raised.Stdout)!.AsArray(), r => Assert.Equal(3, r!["replicas"]!.GetValue<int>()));
    }
}
