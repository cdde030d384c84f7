using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using NATS.Client.Core;
using NATS.Net;
using OamOrleans.Clustering.Nats;
using Orleans;
using Xunit;
using Xunit.Abstractions;
using OamOrleans.Testing;

namespace OamOrleans.Nats.Providers.Tests;

/// <summary>Three in-process silos whose only shared infrastructure is one nats-server (membership + grain state).</summary>
[Trait("Category", "Integration")]
public sealed class MultiSiloClusterTests(NatsServerFixture nats, ITestOutputHelper output) : IClassFixture<NatsServerFixture>
{
    private static readonly TimeSpan ClusterTimeout = TimeSpan.FromSeconds(60);

    private async Task<ClusterHarness> StartClusterAsync(int silos = 3)
    {
        var cluster = new ClusterHarness(nats.Url);
        try
        {
            await Task.WhenAll(Enumerable.Range(1, silos).Select(i => cluster.StartSiloAsync($"silo{i}")));
            await cluster.StartClientAsync();
            await cluster.WaitForActiveSilosAsync(silos, ClusterTimeout);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    [Fact]
    public async Task Three_silos_form_one_cluster_through_nats_and_spread_conversations()
    {
        await using var cluster = await StartClusterAsync();

        var conversations = Enumerable.Range(0, 30).Select(i => cluster.Client.GetGrain<IConversationGrain>($"conv-{i}")).ToList();
        var counts = await Task.WhenAll(conversations.Select(c => c.AddTurn("hello")));
        Assert.All(counts, c => Assert.Equal(1, c));

        var placements = await Task.WhenAll(conversations.Select(c => c.WhereAmI()));
        var silosUsed = placements.Distinct().ToList();
        output.WriteLine($"conversations per silo: {string.Join(", ", placements.GroupBy(p => p).Select(g => $"{g.Key}={g.Count()}"))}");
        Assert.True(silosUsed.Count >= 2, $"30 conversations all landed on {silosUsed.Count} silo(s)");
        Assert.All(silosUsed, s => Assert.Contains(s, cluster.Silos.Select(ClusterHarness.AddressOf)));

        // The membership table in NATS lists the three active silos.
        await using var raw = nats.Server.Connect();
        var kv = await raw.CreateKeyValueStoreContext().GetStoreAsync(NatsClusteringOptions.DefaultBucketName);
        var entry = await kv.GetEntryAsync<byte[]>(cluster.ClusterId, serializer: NatsRawSerializer<byte[]>.Default);
        using var table = JsonDocument.Parse(entry.Value!);
        Assert.Equal(3, table.RootElement.GetProperty("members").EnumerateArray().Count(m => m.GetProperty("status").GetString() == "Active"));
    }

    [Fact]
    public async Task Killing_a_silo_process_under_load_loses_no_acknowledged_turn_and_no_call_hangs()
    {
        // Two in-process silos and one silo in a child process that is SIGKILLed mid-load.
        await using var cluster = new ClusterHarness(nats.Url);
        await Task.WhenAll(cluster.StartSiloAsync("silo1"), cluster.StartSiloAsync("silo2"));
        var victim = await cluster.StartSiloProcessAsync("victim");
        await cluster.StartClientAsync();
        await cluster.WaitForActiveSilosAsync(3, ClusterTimeout);

        var ids = Enumerable.Range(0, 30).Select(i => $"load-{i}").ToArray();
        var acked = ids.ToDictionary(id => id, _ => new ConcurrentBag<string>());
        foreach (var id in ids)
        {
            await cluster.Client.GetGrain<IConversationGrain>(id).AddTurn($"{id}#warmup");
            acked[id].Add($"{id}#warmup");
        }

        var placements = new Dictionary<string, string>();
        foreach (var id in ids)
        {
            placements[id] = await cluster.Client.GetGrain<IConversationGrain>(id).WhereAmI();
        }

        var orphaned = ids.Where(id => placements[id] == victim.Address).ToArray();
        Assert.NotEmpty(orphaned);

        var killedAtTicks = DateTime.MaxValue.Ticks;
        var ackedAfterKill = new ConcurrentDictionary<string, bool>();
        var failures = 0;
        var longestTicks = 0L;
        var sequence = 0;
        using var stop = new CancellationTokenSource();
        var workers = Enumerable.Range(0, 6).Select(w => Task.Run(async () =>
        {
            var i = w;
            while (!stop.IsCancellationRequested)
            {
                var id = ids[i++ % ids.Length];
                var turn = $"{id}#{Interlocked.Increment(ref sequence)}";
                var started = DateTime.UtcNow;
                var watch = Stopwatch.StartNew();
                try
                {
                    await cluster.Client.GetGrain<IConversationGrain>(id).AddTurn(turn);
                    acked[id].Add(turn);
                    if (started.Ticks > Interlocked.Read(ref killedAtTicks))
                    {
                        ackedAfterKill[id] = true;
                    }
                }
                catch (Exception)
                {
                    Interlocked.Increment(ref failures);
                }

                var elapsed = watch.Elapsed.Ticks;
                var seen = Interlocked.Read(ref longestTicks);
                while (elapsed > seen && Interlocked.CompareExchange(ref longestTicks, elapsed, seen) != seen)
                {
                    seen = Interlocked.Read(ref longestTicks);
                }
            }
        })).ToArray();

        await Poll.UntilAsync(() => Volatile.Read(ref sequence) > 100, "the load has made 100 turns before the kill", ClusterTimeout);
        output.WriteLine($"killing {victim.Address} hosting {orphaned.Length} conversations at turn {Volatile.Read(ref sequence)}");
        await victim.KillAsync();
        Interlocked.Exchange(ref killedAtTicks, DateTime.UtcNow.Ticks);

        // Every conversation, including the dead silo's, takes new turns again (reactivated on a survivor from NATS state).
        await Poll.UntilAsync(() => ids.All(ackedAfterKill.ContainsKey), "every conversation takes turns after the kill", ClusterTimeout);
        await stop.CancelAsync();
        await Task.WhenAll(workers);
        var longest = TimeSpan.FromTicks(longestTicks);
        output.WriteLine($"turns sent {sequence}, failed {failures}, longest call {longest}");

        Assert.True(longest < ClusterHarness.ResponseTimeout + TimeSpan.FromSeconds(5), $"a call took {longest}");
        foreach (var id in ids)
        {
            var grain = cluster.Client.GetGrain<IConversationGrain>(id);
            var stored = (await grain.GetTurns()).ToHashSet(StringComparer.Ordinal);
            var missing = acked[id].Where(t => !stored.Contains(t)).ToList();
            Assert.True(missing.Count == 0, $"{id} lost acknowledged turns: {string.Join(", ", missing)}");
            Assert.NotEqual(victim.Address, await grain.WhereAmI());
        }

        await cluster.WaitForActiveSilosAsync(2, ClusterTimeout);

        // The victim never said goodbye: a survivor voted it dead in the NATS membership table.
        await using var raw = nats.Server.Connect();
        var kv = await raw.CreateKeyValueStoreContext().GetStoreAsync(NatsClusteringOptions.DefaultBucketName);
        var entry = await kv.GetEntryAsync<byte[]>(cluster.ClusterId, serializer: NatsRawSerializer<byte[]>.Default);
        using var table = JsonDocument.Parse(entry.Value!);
        var victimRow = table.RootElement.GetProperty("members").EnumerateArray().Single(m => m.GetProperty("siloAddress").GetString() == victim.ParsableAddress);
        output.WriteLine(victimRow.ToString());
        Assert.Equal("Dead", victimRow.GetProperty("status").GetString());
        var voters = victimRow.GetProperty("suspectTimes").EnumerateArray().Select(v => v.GetProperty("silo").GetString()).ToList();
        Assert.NotEmpty(voters);
        Assert.DoesNotContain(victim.ParsableAddress, voters);
    }

    [Fact]
    public async Task Restarting_the_whole_cluster_restores_every_conversation()
    {
        var expected = new Dictionary<string, List<string>>();
        ClusterHarness first;
        await using (first = await StartClusterAsync())
        {
            for (var i = 0; i < 20; i++)
            {
                var id = $"restart-{i}";
                expected[id] = [];
                for (var t = 0; t < 3; t++)
                {
                    var turn = $"{id}/{t}";
                    Assert.Equal(t + 1, await first.Client.GetGrain<IConversationGrain>(id).AddTurn(turn));
                    expected[id].Add(turn);
                }
            }

            await first.StopClientAsync();
            await first.StopAllSilosAsync();
        }

        // Same cluster and service ids, new silos on new ports: everything comes back from NATS.
        await using var second = new ClusterHarness(nats.Url, first.ClusterId, first.ServiceId);
        await Task.WhenAll(Enumerable.Range(1, 3).Select(i => second.StartSiloAsync($"silo{i}-restarted")));
        await second.StartClientAsync();
        await second.WaitForActiveSilosAsync(3, ClusterTimeout);

        foreach (var (id, turns) in expected)
        {
            Assert.Equal(turns, await second.Client.GetGrain<IConversationGrain>(id).GetTurns());
        }
    }
}
