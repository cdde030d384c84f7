using System.Collections.Concurrent;
using System.Reflection;
using OamOrleans.Client;
using OamOrleans.Protocol;
using OamOrleans.Samples.Cookbook.AgentLiveness;

namespace OamOrleans.Cookbook.Tests;

/// <summary>
/// Recipe 8, agent-liveness.md: the sample itself runs <c>worker.primary</c> in a process of its own
/// (<c>liveness-primary</c>); killing it while it holds a call makes the first silo's health monitor publish the death
/// notice, the caller's call fail with <c>agent_died</c>, and the failover pipeline ask <c>worker.fallback</c>.
/// </summary>
[Collection(CookbookCollection.Name)]
[Trait("Category", "Integration")]
public sealed class AgentLivenessTests(CookbookMesh mesh)
{
    private static readonly string SampleDll = typeof(AgentLivenessTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "CookbookSampleDll").Value!;

    [Fact]
    public async Task A_primary_killed_while_holding_the_call_is_replaced_by_the_fallback_and_the_watchdog_sees_one_disconnect()
    {
        var (primary, _) = await ChildProcess.StartAsync(
            new ChildProcessOptions
            {
                Name = "the liveness-primary sample",
                Arguments = ["exec", SampleDll, "liveness-primary"],
                Environment = new Dictionary<string, string> { ["OAM_URL"] = mesh.Nats.Url },
            },
            p => p.WaitForLineAsync(l => l.StartsWith("READY", StringComparison.Ordinal), TimeSpan.FromSeconds(60), "READY"));
        await using var _ = primary;
        await Poll.UntilAsync(async () => (await mesh.Client.CatalogAsync()).Any(e => e.Name == PrimaryWorkerAgent.Name), "the catalog lists worker.primary", process: primary);
        await using var watchdog = await Watchdog.StartAsync(mesh.Client);

        var call = LivenessRecipe.CallAsync(mesh.Calls, "job").AsTask();
        await primary.WaitForLineAsync(l => l.Contains(PrimaryWorkerAgent.Holding, StringComparison.Ordinal), TimeSpan.FromSeconds(20), "the primary holds the job");
        await primary.KillAsync();

        var answer = await call.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal("fallback:job", answer.Result);
        var notice = Assert.Single(watchdog.Seen, n => n.Agent == PrimaryWorkerAgent.Name);
        Assert.Equal(DeathNotice.Disconnect, notice.Reason);
        await Poll.UntilAsync(async () => (await mesh.Client.CatalogAsync()).All(e => e.Name != PrimaryWorkerAgent.Name), "worker.primary leaves the catalog");
    }

    [Fact]
    public async Task A_call_to_an_agent_that_never_registered_ends_at_the_fallback()
    {
        var answer = await mesh.Calls.CallAsync<TaskOut>(LivenessRecipe.Failover, "worker.gone", new TaskIn("job"));

        Assert.Equal("fallback:job", answer.Result);
    }

    /// <summary>The recipe's watchdog running in the background, with a probe to know it is subscribed.</summary>
    private sealed class Watchdog : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private Task _loop = Task.CompletedTask;

        public ConcurrentQueue<DeathNotice> Seen { get; } = new();

        public static async Task<Watchdog> StartAsync(MeshClient mesh)
        {
            var watchdog = new Watchdog();
            watchdog._loop = Task.Run(async () =>
            {
                await foreach (var notice in LivenessRecipe.WatchDeathsAsync(mesh, cancellationToken: watchdog._stop.Token))
                {
                    watchdog.Seen.Enqueue(notice);
                }
            });
            var probe = new DeathNotice("cookbook.probe", "probe", DateTimeOffset.UtcNow.ToString("O"), "probe");
            await Poll.UntilAsync(async () =>
            {
                await mesh.PublishAsync(MeshSubjects.Death("cookbook.probe"), probe.ToJsonElement());
                return watchdog.Seen.Any(n => n.Agent == "cookbook.probe");
            }, "the watchdog receives a probe", interval: TimeSpan.FromMilliseconds(50));
            return watchdog;
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _loop.ContinueWith(_ => { }, TaskScheduler.Default);
            _stop.Dispose();
        }
    }
}
