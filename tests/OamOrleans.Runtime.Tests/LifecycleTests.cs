using System.Text.Json.Nodes;
using NATS.Client.Core;
using NATS.Client.KeyValueStore;
using NATS.Net;
using OamOrleans.Protocol;
using OamOrleans.Testing;

namespace OamOrleans.Runtime.Tests;

/// <summary>Graceful stop, the survivor rule and death notices, with real silos on a real nats-server.</summary>
[Trait("Category", "Integration")]
public sealed class LifecycleTests : OwnNatsServerTests
{
    private async Task<string[]> CatalogNamesAsync()
    {
        var store = await Raw.CreateKeyValueStoreContext().GetStoreAsync("mesh-catalog");
        var entry = await store.GetEntryAsync<byte[]>("catalog");
        return JsonNode.Parse(entry.Value!)!.AsArray().Select(e => (string)e!["name"]!).ToArray();
    }

    private async Task<bool> RegistryHasAsync(string name)
    {
        var store = await Raw.CreateKeyValueStoreContext().GetStoreAsync("mesh-registry");
        try
        {
            await store.GetEntryAsync<byte[]>(name);
            return true;
        }
        catch (NatsKVKeyDeletedException)
        {
            return false;
        }
        catch (NatsKVKeyNotFoundException)
        {
            return false;
        }
    }

    [Fact]
    public async Task Graceful_stop_removes_catalog_and_registry_entries_and_announces_each_death()
    {
        var silo = await TestSilo.StartAsync(Nats.Url);
        var instance = silo.Mesh.InstanceId;
        var agents = silo.Mesh.Agents;
        await using var deaths = await Raw.SubscribeCoreAsync<byte[]>("mesh.death.>");
        await Raw.PingAsync();

        await silo.DisposeAsync();

        var notices = new Dictionary<string, NatsMsg<byte[]>>();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await foreach (var msg in deaths.Msgs.ReadAllAsync(cts.Token))
        {
            notices[msg.Subject] = msg;
            if (notices.Count == agents.Count)
            {
                break;
            }
        }

        foreach (var agent in agents)
        {
            var msg = notices[MeshSubjects.Death(agent)];
            Assert.Null(msg.Headers); // death notices carry no headers
            var body = JsonNode.Parse(msg.Data!)!.AsObject();
            Assert.Equal(["agent", "reason", "detected_at", "instance_id"], body.Select(p => p.Key));
            Assert.Equal(agent, (string?)body["agent"]);
            Assert.Equal("graceful_shutdown", (string?)body["reason"]);
            Assert.Equal(instance, (string?)body["instance_id"]);
            Assert.False(await RegistryHasAsync(agent));
        }

        Assert.Empty(await CatalogNamesAsync());
        var instances = await Raw.CreateKeyValueStoreContext().GetStoreAsync("mesh-instances");
        await Assert.ThrowsAnyAsync<NatsKVException>(async () => await instances.GetEntryAsync<byte[]>(instance));
    }

    [Fact]
    public async Task Stopping_one_of_two_silos_keeps_shared_agents_registered_and_serving()
    {
        await using var cluster = await TestSiloCluster.StartAsync(Nats.Url, silos: 2);
        var first = cluster.Meshes[0];
        await using var deaths = await Raw.SubscribeCoreAsync<byte[]>("mesh.death.>");

        await cluster.StopSiloAsync(1);
        await Raw.PingAsync();

        Assert.Equal(first.Agents.Order(), (await CatalogNamesAsync()).Order());
        Assert.True(await RegistryHasAsync("demo.echo"));
        Assert.False(deaths.Msgs.TryRead(out _));
        var reply = await RawNats.RequestAsync(Raw, "demo.counter", """{"conversation":"after-stop"}""");
        Assert.Equal(1, RawNats.Json(reply).GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task Catalog_updates_keep_other_hosts_entries_and_their_unknown_fields()
    {
        var kv = Raw.CreateKeyValueStoreContext();
        var catalog = await kv.CreateStoreAsync(new NatsKVConfig("mesh-catalog") { History = 1 });
        await catalog.CreateAsync("catalog", """[{"name": "py.agent", "description": "from python", "version": "0.2.0", "tags": ["x"], "invocable": true, "streaming": false, "future_field": {"a": 1}}]"""u8.ToArray());

        var silo = await TestSilo.StartAsync(Nats.Url);
        var names = await CatalogNamesAsync();
        Assert.Equal("py.agent", names[0]);
        Assert.Contains("demo.echo", names);
        await silo.DisposeAsync();

        var entry = await catalog.GetEntryAsync<byte[]>("catalog");
        var remaining = Assert.Single(JsonNode.Parse(entry.Value!)!.AsArray())!;
        Assert.Equal(1, (int)remaining["future_field"]!["a"]!);
        Assert.Equal("from python", (string?)remaining["description"]);
    }

    [Fact]
    public async Task Stop_drains_in_flight_requests_before_deregistering()
    {
        var silo = await TestSilo.StartAsync(Nats.Url);
        var slow = RawNats.RequestAsync(Raw, "test.slow", "1500");
        await Poll.UntilAsync(() => SlowAgent.Running > 0, "the slow agent is running a turn", TimeSpan.FromSeconds(10));
        var stop = silo.DisposeAsync().AsTask();

        var reply = await slow;
        Assert.Equal("slept 1500", RawNats.Json(reply).GetString());
        await stop;
    }
}
