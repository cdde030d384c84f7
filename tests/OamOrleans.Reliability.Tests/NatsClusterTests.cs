using System.Text.Json;
using NATS.Client.JetStream;
using NATS.Net;
using OamOrleans.Client;
using OamOrleans.Interop.Tests;
using OamOrleans.Testing;
using Xunit.Abstractions;

namespace OamOrleans.Reliability.Tests;

/// <summary>
/// The mesh on a real 3-node JetStream cluster, as production runs it: two silo processes (<c>OAM_CLUSTERING=nats</c>,
/// <c>OAM_STORAGE=nats</c>, <c>OAM_REPLICAS=3</c>) connected to one node, callers connected to the others, and the silos'
/// node SIGKILLed under load.
/// </summary>
[Trait("Category", "Integration")]
public sealed class NatsClusterTests(ITestOutputHelper output)
{
    private const int Conversations = 12;
    private const int Turns = 30;

    /// <summary>Every bucket a replicated silo makes: the mesh's, the object store, grain state and membership.</summary>
    private static readonly string[] Streams =
    [
        "KV_mesh-catalog", "KV_mesh-registry", "KV_mesh-instances", "KV_mesh-context", "KV_mesh-observability",
        "OBJ_mesh-artifacts", "KV_orleans-grain-state", "KV_orleans-membership",
    ];

    [Fact]
    public async Task Losing_the_nats_node_the_silos_use_loses_no_turn_counts_none_twice_and_MeshClient_callers_see_no_error()
    {
        await using var cluster = await NatsCluster.StartAsync();
        var (survivorA, victim, survivorC) = (cluster.Nodes[0], cluster.Nodes[1], cluster.Nodes[2]);
        var env = ReplicatedSilo("node-loss");
        // The silos know only the node that will die: they must reconnect to the nodes the cluster advertises.
        await using var silo1 = OamSiloProcess.Start(victim.Url, env, "silo 1", graceful: false);
        await using var silo2 = OamSiloProcess.Start(victim.Url, env, "silo 2", graceful: false);
        await Task.WhenAll(OamSiloProcess.WaitUntilServingAsync(silo1, TimeSpan.FromSeconds(90)), OamSiloProcess.WaitUntilServingAsync(silo2, TimeSpan.FromSeconds(90)));

        await using var nats = survivorA.Connect("replica-check");
        foreach (var stream in Streams)
        {
            var info = (await nats.CreateJetStreamContext().GetStreamAsync(stream)).Info;
            Assert.True(info.Config.NumReplicas == 3, $"{stream} has {info.Config.NumReplicas} replica(s), 3 configured");
        }

        // The caller knows two surviving nodes (a seed list, as OAM_URL takes it).
        await using var client = await MeshClient.ConnectAsync($"{survivorA.Url},{survivorC.Url}", new MeshClientOptions { EnsureBuckets = false });

        // A plain npm `nats` client on a surviving node, calling throughout.
        await NodeTooling.EnsurePackagesAsync(InteropPaths.NodeSuiteDir);
        var nodeClient = NodeTooling.NodeAsync(InteropPaths.NodeSuiteDir, ["cluster/echo-through-node-loss.mjs"], survivorC.Url, TimeSpan.FromSeconds(90), new Dictionary<string, string> { ["DURATION_MS"] = "30000" });

        var killedAt = DateTime.MinValue;
        using var load = await TurnsThroughAsync(client, () =>
        {
            killedAt = DateTime.UtcNow;
            return victim.KillAsync();
        });
        silo1.ThrowIfExited("after its NATS node was killed");
        silo2.ThrowIfExited("after its NATS node was killed");

        var node = await nodeClient;
        output.WriteLine($"plain npm nats client on {survivorC}: {node.Output.Trim()} (node {victim} killed {(killedAt - DateTime.UtcNow).Negate().TotalSeconds:0.0} s before it ended)");
        Assert.True(node.ExitCode == 0, node.Output);
        using var summary = JsonDocument.Parse(node.Output.Trim().Split('\n')[^1]);
        var root = summary.RootElement;
        Assert.Equal(0, root.GetProperty("disconnects").GetInt32());
        // Its last failure (if the outage showed at all) came well before its last call: it works again.
        Assert.True(root.GetProperty("lastErrorAtMs").ValueKind == JsonValueKind.Null || root.GetProperty("lastCallAtMs").GetInt64() - root.GetProperty("lastErrorAtMs").GetInt64() > 5000, root.ToString());

        // Still replicated 3 ways after the loss (the survivors hold 2 current copies each until the node is back).
        foreach (var stream in Streams)
        {
            Assert.Equal(3, (await nats.CreateJetStreamContext().GetStreamAsync(stream)).Info.Config.NumReplicas);
        }
    }

    [Fact]
    public async Task MeshClient_callers_see_no_error_and_no_turn_twice_when_a_silo_is_killed()
    {
        await using var server = await NatsServer.StartAsync();
        var env = new Dictionary<string, string>
        {
            ["OAM_CLUSTERING"] = "nats",
            ["OAM_STORAGE"] = "nats",
            ["OAM_CLUSTER_ID"] = "silo-kill-" + Protocol.MeshIds.New()[..8],
        };
        await using var survivor = OamSiloProcess.Start(server.Url, env, "the surviving silo", graceful: false);
        await using var victim = OamSiloProcess.Start(server.Url, env, "the killed silo", graceful: false);
        await Task.WhenAll(OamSiloProcess.WaitUntilServingAsync(survivor, TimeSpan.FromSeconds(90)), OamSiloProcess.WaitUntilServingAsync(victim, TimeSpan.FromSeconds(90)));

        await using var client = await MeshClient.ConnectAsync(server.Url, new MeshClientOptions { EnsureBuckets = false });
        using var load = await TurnsThroughAsync(client, () => victim.KillAsync());
        survivor.ThrowIfExited("after the other silo was killed");
    }

    [Fact]
    public async Task A_silo_on_a_mesh_with_single_replica_buckets_names_them_and_raises_them_only_when_asked()
    {
        await using var cluster = await NatsCluster.StartAsync();
        // A mesh made before (by another implementation, or OAM_REPLICAS=1): every bucket with one replica.
        await using (var maker = cluster.Nodes[0].Connect("older-mesh"))
        {
            await MeshStores.EnsureAllAsync(maker, replicas: 1);
            var kv = maker.CreateKeyValueStoreContext();
            await kv.CreateStoreAsync(new NATS.Client.KeyValueStore.NatsKVConfig("orleans-grain-state") { History = 1 });
            await kv.CreateStoreAsync(new NATS.Client.KeyValueStore.NatsKVConfig("orleans-membership") { History = 1 });
        }

        var env = ReplicatedSilo("older-mesh");
        await using (var warned = OamSiloProcess.Start(cluster.Urls, env, "the silo that warns"))
        {
            await OamSiloProcess.WaitUntilServingAsync(warned, TimeSpan.FromSeconds(90));
            var log = warned.RecentOutput;
            Assert.Contains("Bucket mesh-catalog has 1 replica(s) but this silo is configured for 3", log, StringComparison.Ordinal);
            Assert.Contains("Bucket mesh-artifacts has 1 replica(s)", log, StringComparison.Ordinal);
            Assert.Contains("bucket orleans-grain-state has 1 replica(s), 3 configured: left as it is", log, StringComparison.Ordinal);
            Assert.Contains("bucket orleans-membership has 1 replica(s), 3 configured: left as it is", log, StringComparison.Ordinal);
        }

        foreach (var stream in Streams)
        {
            Assert.Equal(1, await ReplicasAsync(cluster, stream)); // never changed without being asked
        }

        env["OAM_RECONCILE_BUCKETS"] = "true";
        await using (var reconciling = OamSiloProcess.Start(cluster.Urls, env, "the silo that reconciles"))
        {
            await OamSiloProcess.WaitUntilServingAsync(reconciling, TimeSpan.FromSeconds(90));
            Assert.Contains("Bucket mesh-catalog had 1 replica(s): raised to 3", reconciling.RecentOutput, StringComparison.Ordinal);
        }

        foreach (var stream in Streams)
        {
            Assert.Equal(3, await ReplicasAsync(cluster, stream));
        }
    }

    [Fact]
    public async Task Replicas_on_a_server_that_is_not_clustered_stop_the_silo_with_a_message_naming_the_setting()
    {
        await using var server = await NatsServer.StartAsync();
        await using var silo = OamSiloProcess.Start(server.Url, new Dictionary<string, string> { ["OAM_REPLICAS"] = "3" }, "the silo asking for 3 replicas", graceful: false);
        Assert.True(await silo.WaitForExitAsync(TimeSpan.FromSeconds(60)), silo.RecentOutput);
        Assert.Equal(1, silo.ExitCode);
        Assert.Contains("(OAM_REPLICAS) is 3, but the NATS server at", silo.RecentOutput, StringComparison.Ordinal);
        Assert.Contains("is not part of a JetStream cluster", silo.RecentOutput, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("OAM_REPLICAS", "0", "OAM_REPLICAS must be a whole number from 1 to 5")]
    [InlineData("OAM_REPLICAS", "three", "OAM_REPLICAS must be a whole number from 1 to 5")]
    [InlineData("OAM_TURN_LOG_SIZE", "-1", "OAM_TURN_LOG_SIZE must be a whole number from 0 to 10000")]
    [InlineData("OAM_RECONCILE_BUCKETS", "maybe", "OAM_RECONCILE_BUCKETS must be true or false")]
    public async Task A_bad_replication_setting_stops_the_silo_with_a_message_naming_it(string variable, string value, string message)
    {
        await using var silo = OamSiloProcess.Start("nats://127.0.0.1:1", new Dictionary<string, string> { [variable] = value }, "the misconfigured silo", graceful: false);
        Assert.True(await silo.WaitForExitAsync(TimeSpan.FromSeconds(30)), silo.RecentOutput);
        Assert.Equal(2, silo.ExitCode);
        Assert.Contains(message, silo.RecentOutput, StringComparison.Ordinal);
    }

    /// <summary>
    /// Drives <see cref="Conversations"/> × <see cref="Turns"/> conversational turns through <paramref name="client"/>,
    /// runs <paramref name="fault"/> once a quarter of them are acknowledged, and checks that every turn was acknowledged,
    /// none with an error, none lost and none counted twice.
    /// </summary>
    private async Task<MeshClientTurns> TurnsThroughAsync(MeshClient client, Func<Task> fault)
    {
        var load = new MeshClientTurns(client, Conversations, Turns, TimeSpan.FromMilliseconds(50));
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(150));
        var run = load.RunAsync(deadline.Token);
        await Poll.UntilAsync(() => Task.FromResult(load.Acknowledged >= Conversations * Turns / 4 || run.IsCompleted), "a quarter of the turns are acknowledged", TimeSpan.FromSeconds(60));
        Assert.False(run.IsCompleted, $"the load finished before the fault: {load.Summary}");
        await fault();
        await run;

        output.WriteLine(load.Summary);
        Assert.True(load.Errors.Count == 0 && load.WrongCounts.Count == 0, load.Summary);
        Assert.Equal(Conversations * Turns, load.Acknowledged);
        return load;
    }

    private static Dictionary<string, string> ReplicatedSilo(string name) => new()
    {
        ["OAM_CLUSTERING"] = "nats",
        ["OAM_STORAGE"] = "nats",
        ["OAM_REPLICAS"] = "3",
        ["OAM_CLUSTER_ID"] = name + "-" + Protocol.MeshIds.New()[..8],
        ["Logging__LogLevel__OamOrleans.Bridge"] = "Information",
    };

    private static async Task<int> ReplicasAsync(NatsCluster cluster, string stream)
    {
        await using var nats = cluster.Nodes[0].Connect("replica-check");
        return (await nats.CreateJetStreamContext().GetStreamAsync(stream)).Info.Config.NumReplicas;
    }
}
