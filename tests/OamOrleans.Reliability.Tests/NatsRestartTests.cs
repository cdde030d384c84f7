using System.Diagnostics;
using NATS.Client.Core;
using NATS.Client.KeyValueStore;
using NATS.Net;
using OamOrleans.Client;
using OamOrleans.Protocol;
using OamOrleans.Testing;
using Xunit.Abstractions;

namespace OamOrleans.Reliability.Tests;

/// <summary>
/// nats-server SIGKILLed under load and restarted on the same port and JetStream store, with a real silo keeping
/// <c>demo.counter</c>'s conversations in JetStream KV (<c>OAM_STORAGE=nats</c>).
/// </summary>
[Trait("Category", "Integration")]
public sealed class NatsRestartTests(ITestOutputHelper output)
{
    private static readonly string[] Served = ["demo.counter", "demo.echo"];

    [Fact]
    public async Task After_a_killed_nats_server_restarts_the_silo_reregisters_its_agents_and_no_acknowledged_turn_is_lost()
    {
        await using var nats = await NatsServer.StartAsync();
        await using var silo = await OamSiloProcess.StartAsync(nats, Served, new Dictionary<string, string> { ["OAM_CLUSTERING"] = "localhost", ["OAM_STORAGE"] = "nats" });
        await using var caller = nats.Connect("restart-load");
        await caller.ConnectAsync();

        var load = ConversationLoad.Start(caller, conversations: 16);
        await using (load)
        {
            await Poll.UntilAsync(() => Task.FromResult(load.Conversations.All(c => c.AcknowledgedTurns >= 5)), "every conversation has 5 acknowledged turns", TimeSpan.FromSeconds(30), silo);

            // What a health monitor does while the silo is away (§4.6): its records go. Only re-registration brings them back.
            await RemoveRegistrationsAsync(nats);

            var killed = Stopwatch.StartNew();
            await nats.KillAsync();
            await nats.RestartAsync();
            var restartTook = killed.Elapsed;
            var restarted = Stopwatch.StartNew();
            var before = load.Conversations.Select(c => c.AcknowledgedTurns).ToArray();

            // Recovery: the first successful call after the restart, from a caller that connects as soon as the server is back.
            await using var probe = nats.Connect("restart-probe");
            var echoBack = await FirstSuccessAsync(() => RequestBurst.SendAsync(probe, 1, [new("demo.echo", """{"message":"back?"}""")], TimeSpan.FromMilliseconds(250))
                .ContinueWith(t => t.Result["demo.echo"].Replies == 1, TaskScheduler.Default), restarted, silo);
            var turnBack = await FirstSuccessAsync(async () =>
            {
                await ConversationLoad.TurnAsync(probe, "restart-probe", MeshIds.New(), TimeSpan.FromMilliseconds(500), CancellationToken.None);
                return true;
            }, restarted, silo);

            await Poll.UntilAsync(() => Task.FromResult(load.Conversations.Select((c, i) => c.AcknowledgedTurns >= before[i] + 5).All(b => b)),
                "every conversation has 5 more acknowledged turns after the restart", TimeSpan.FromSeconds(60), silo);

            output.WriteLine($"kill + restart of nats-server (until it accepted connections): {restartTook.TotalMilliseconds:0} ms");
            output.WriteLine($"first successful call after the restart: demo.echo {echoBack.TotalMilliseconds:0} ms, demo.counter turn (KV state) {turnBack.TotalMilliseconds:0} ms " +
                $"({(restartTook + echoBack).TotalMilliseconds:0} / {(restartTook + turnBack).TotalMilliseconds:0} ms after the kill)");
        }

        // Re-registered: contract, catalog entry and instance record are back.
        await using var check = nats.Connect("restart-check");
        var registry = await MeshRegistry.OpenAsync(check);
        var contracts = await check.CreateKeyValueStoreContext().GetStoreAsync(MeshBuckets.Registry);
        await Poll.UntilAsync(async () =>
        {
            var catalog = (await registry.ReadCatalogAsync()).Entries.Select(e => e.Name).ToHashSet();
            var served = await registry.ServedAgentsAsync();
            var keys = new HashSet<string>();
            await foreach (var key in contracts.GetKeysAsync())
            {
                keys.Add(key);
            }

            return Served.All(catalog.Contains) && Served.All(served.Contains) && Served.All(keys.Contains);
        }, "the silo's agents are in mesh-registry, mesh-catalog and mesh-instances again", TimeSpan.FromSeconds(20), silo);

        // No acknowledged turn lost: each conversation's count is at least its acknowledged turns (every turn ends
        // acknowledged, so any excess is a turn counted twice), and the counts the agent acknowledged only ever grew (a
        // state rolled back to before an acknowledged turn would repeat one).
        long acknowledged = 0, applied = 0, failures = 0;
        foreach (var conversation in load.Conversations)
        {
            var counts = conversation.Counts;
            Assert.True(counts.Zip(counts.Skip(1)).All(p => p.Second > p.First), $"{conversation.Id}: acknowledged counts went back: {string.Join(",", counts)}");
            var final = await ConversationLoad.TurnAsync(check, conversation.Id, MeshIds.New(), TimeSpan.FromSeconds(10), CancellationToken.None) - 1;
            Assert.True(final >= counts.Count, $"{conversation.Id}: {counts.Count} acknowledged turns but the state counts {final}");
            acknowledged += counts.Count;
            applied += final;
            failures += conversation.Failures;
        }

        output.WriteLine($"{load.Conversations.Count} conversations: {acknowledged} acknowledged turns, {applied} counted by the agent " +
            $"({applied - acknowledged} counted twice: applied, its reply lost, and the retry with the same request id applied again), {failures} failed attempts retried");
        silo.ThrowIfExited("after the restart");
    }

    /// <summary>Polls until <paramref name="attempt"/> succeeds; returns the time on <paramref name="since"/> at that moment.</summary>
    private static async Task<TimeSpan> FirstSuccessAsync(Func<Task<bool>> attempt, Stopwatch since, ChildProcess silo)
    {
        TimeSpan at = default;
        await Poll.UntilAsync(async () =>
        {
            if (!await attempt())
            {
                return false;
            }

            at = since.Elapsed;
            return true;
        }, "a call succeeds after the restart", TimeSpan.FromSeconds(60), silo);
        return at;
    }

    private static async Task RemoveRegistrationsAsync(NatsServer nats)
    {
        await using var connection = nats.Connect("restart-monitor");
        var kv = connection.CreateKeyValueStoreContext();
        foreach (var bucket in new[] { MeshBuckets.Registry, MeshBuckets.Catalog, MeshBuckets.Instances })
        {
            var store = await kv.GetStoreAsync(bucket);
            await foreach (var key in store.GetKeysAsync())
            {
                await store.DeleteAsync(key);
            }
        }

        var registry = await MeshRegistry.OpenAsync(connection);
        Assert.Empty((await registry.ReadCatalogAsync()).Entries);
        Assert.Empty(await registry.ServedAgentsAsync());
    }
}
