using OamOrleans.Protocol;
using OamOrleans.Testing;

namespace OamOrleans.Liveness.Tests;

/// <summary>
/// Crash detection with the real silo executable (<c>oam-silo.dll</c>, built by this project's reference): SIGKILL the
/// silo and see its sample agents deregistered with <c>disconnect</c> notices, except the one another host also serves.
/// </summary>
[Trait("Category", "Integration")]
public sealed class SiloCrashTests : IAsyncLifetime
{
    private LivenessMesh _mesh = null!;

    public async Task InitializeAsync() => _mesh = await LivenessMesh.StartAsync();

    public async Task DisposeAsync() => await _mesh.DisposeAsync();

    [Fact]
    public async Task Killed_silo_agents_are_deregistered_with_disconnect_notices_except_one_served_elsewhere()
    {
        var monitor = await _mesh.StartMonitorAsync();
        await using var other = await _mesh.StartHostAsync(MeshIds.New(), "demo.echo");
        await using var silo = StartSilo(_mesh.AppUrl);

        string? siloId = null;
        IReadOnlyList<string> siloAgents = [];
        await Poll.UntilAsync(async () =>
        {
            await foreach (var key in _mesh.Instances.GetKeysAsync())
            {
                if (key != other.InstanceId && await _mesh.Registry.ReadInstanceAsync(key) is { Agents.Count: > 0 } record)
                {
                    (siloId, siloAgents) = (key, record.Agents);
                    return true;
                }
            }

            return false;
        }, "the silo has written its mesh-instances record", TimeSpan.FromSeconds(60), silo);

        Assert.Contains("demo.echo", siloAgents);
        var unique = siloAgents.Where(a => a != "demo.echo").ToArray();
        Assert.NotEmpty(unique);
        Assert.All(unique, a => Assert.StartsWith("demo.", a, StringComparison.Ordinal));
        await Poll.UntilAsync(async () => siloAgents.All((await _mesh.CatalogNamesAsync()).Contains), "the silo's agents are in the catalog");

        await silo.KillAsync();

        await Poll.UntilAsync(() => unique.All(a => _mesh.DeathsOf(a).Count > 0), "every unique silo agent has a death notice");
        // Ordering barrier: the monitor handles advisories one after another.
        await _mesh.VanishingHostAsync(MeshIds.New(), "barrier.silo");
        await Poll.UntilAsync(() => _mesh.DeathsOf("barrier.silo").Count > 0, "the barrier crash is handled");

        foreach (var agent in unique)
        {
            var death = Assert.Single(_mesh.DeathsOf(agent));
            Assert.Null(death.Headers);
            Assert.Equal("disconnect", death.Json.GetProperty("reason").GetString());
            Assert.Equal(siloId, death.Json.GetProperty("instance_id").GetString());
            Assert.False(await _mesh.HasContractAsync(agent));
        }

        Assert.Empty(_mesh.DeathsOf("demo.echo"));
        Assert.Equal(["demo.echo"], await _mesh.CatalogNamesAsync());
        Assert.True(await _mesh.HasContractAsync("demo.echo"));
        Assert.False(await _mesh.HasInstanceAsync(siloId!));
        Assert.True(await _mesh.HasInstanceAsync(other.InstanceId));
        Assert.True(monitor.AdvisoriesProcessed >= 2);
    }

    /// <summary>The real silo executable on the test server: localhost clustering, memory storage.</summary>
    private static ChildProcess StartSilo(string natsUrl) =>
        OamSiloProcess.Start(natsUrl, new Dictionary<string, string> { ["OAM_CLUSTERING"] = "localhost", ["OAM_STORAGE"] = "memory" }, graceful: false);
}
