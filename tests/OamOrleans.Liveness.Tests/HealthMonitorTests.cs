using System.Globalization;
using System.Text;
using System.Text.Json;
using NATS.Client.Core;
using OamOrleans.Client;
using OamOrleans.Protocol;
using OamOrleans.Testing;

namespace OamOrleans.Liveness.Tests;

/// <summary>
/// The health monitor (§4.6) against a real nats-server with APP/SYS accounts and real host processes killed with SIGKILL.
/// Each test has its own server, so monitors of other tests never see its advisories.
/// </summary>
[Trait("Category", "Integration")]
public sealed class HealthMonitorTests : IAsyncLifetime
{
    private LivenessMesh _mesh = null!;

    public async Task InitializeAsync() => _mesh = await LivenessMesh.StartAsync();

    public async Task DisposeAsync() => await _mesh.DisposeAsync();

    [Fact]
    public async Task Killed_host_unique_agents_are_deregistered_with_a_disconnect_notice_while_a_shared_agent_stays()
    {
        var monitor = await _mesh.StartMonitorAsync();
        await using var victim = await _mesh.StartHostAsync(MeshIds.New(), "crash.only", "crash.shared");
        await using var survivor = await _mesh.StartHostAsync(MeshIds.New(), "crash.shared", "crash.other");

        // Both hosts really serve (queue groups answered).
        var reply = await _mesh.Connection.RequestAsync<byte[], byte[]>(MeshSubjects.Agent("crash.only"), "{}"u8.ToArray());
        Assert.Contains(victim.InstanceId, Encoding.UTF8.GetString(reply.Data!), StringComparison.Ordinal);
        Assert.Equal(["crash.only", "crash.other", "crash.shared"], (await _mesh.CatalogNamesAsync()).Order(StringComparer.Ordinal));

        var before = DateTimeOffset.UtcNow;
        await victim.KillAsync();

        await Poll.UntilAsync(() => _mesh.DeathsOf("crash.only").Count > 0, "the death notice of crash.only arrives");
        await Poll.UntilAsync(() => monitor.AdvisoriesProcessed >= 1, "the monitor has handled the advisory");

        var death = Assert.Single(_mesh.DeathsOf("crash.only"));
        Assert.Null(death.Headers);
        var json = death.Json;
        Assert.Equal(["agent", "detected_at", "instance_id", "reason"], json.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal("crash.only", json.GetProperty("agent").GetString());
        Assert.Equal("disconnect", json.GetProperty("reason").GetString());
        Assert.Equal(victim.InstanceId, json.GetProperty("instance_id").GetString());
        var detectedAt = json.GetProperty("detected_at").GetString()!;
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$", detectedAt);
        Assert.InRange(DateTimeOffset.Parse(detectedAt, CultureInfo.InvariantCulture), before.AddSeconds(-1), DateTimeOffset.UtcNow.AddSeconds(1));

        Assert.DoesNotContain("crash.only", await _mesh.CatalogNamesAsync());
        Assert.False(await _mesh.HasContractAsync("crash.only"));
        Assert.False(await _mesh.HasInstanceAsync(victim.InstanceId));

        // The agent the survivor also serves keeps its catalog entry and contract, and gets no death notice.
        Assert.Equal(["crash.other", "crash.shared"], (await _mesh.CatalogNamesAsync()).Order(StringComparer.Ordinal));
        Assert.True(await _mesh.HasContractAsync("crash.shared"));
        Assert.True(await _mesh.HasInstanceAsync(survivor.InstanceId));
        Assert.Empty(_mesh.DeathsOf("crash.shared"));
        Assert.Empty(_mesh.DeathsOf("crash.other"));
        var stillServed = await _mesh.Connection.RequestAsync<byte[], byte[]>(MeshSubjects.Agent("crash.shared"), "{}"u8.ToArray());
        Assert.Contains(survivor.InstanceId, Encoding.UTF8.GetString(stillServed.Data!), StringComparison.Ordinal);

        // When the last replica dies too, the shared agent goes.
        await survivor.KillAsync();
        await Poll.UntilAsync(() => monitor.AdvisoriesProcessed >= 2, "the monitor has handled the second advisory");
        Assert.Equal(["crash.other", "crash.shared"], _mesh.Deaths.Select(d => d.Json.GetProperty("agent").GetString()!).Where(a => a != "crash.only").Order(StringComparer.Ordinal));
        Assert.Empty(await _mesh.CatalogNamesAsync());
        Assert.False(await _mesh.HasContractAsync("crash.shared"));
        Assert.False(await _mesh.HasInstanceAsync(survivor.InstanceId));
    }

    [Fact]
    public async Task Three_monitors_at_once_give_exactly_one_notice_per_dead_agent_and_a_consistent_catalog()
    {
        // Two monitors on their own connections, one on connections it is given (as inside a silo).
        var monitors = new List<HealthMonitor> { await _mesh.StartMonitorAsync(), await _mesh.StartMonitorAsync() };
        var sys = await _mesh.ConnectSysAsync();
        await using var given = await HealthMonitor.StartAsync(_mesh.Connection, sys);
        monitors.Add(given);

        string[] victimAgents = ["multi.a", "multi.b", "multi.c", "multi.d", "multi.shared"];
        await using var victim = await _mesh.StartHostAsync(MeshIds.New(), victimAgents);
        await using var survivor = await _mesh.StartHostAsync(MeshIds.New(), "multi.shared");
        // A third host registered concurrently with the cleanup: its entry must not be lost by the catalog CAS.
        await victim.KillAsync();
        await using var late = await _mesh.StartHostAsync(MeshIds.New(), "multi.late");

        await Poll.UntilAsync(() => monitors.All(m => m.AdvisoriesProcessed >= 1), "every monitor has handled the advisory");

        foreach (var agent in victimAgents.SkipLast(1))
        {
            var death = Assert.Single(_mesh.DeathsOf(agent));
            Assert.Equal("disconnect", death.Json.GetProperty("reason").GetString());
            Assert.Equal(victim.InstanceId, death.Json.GetProperty("instance_id").GetString());
        }

        Assert.Empty(_mesh.DeathsOf("multi.shared"));
        Assert.Equal(4, _mesh.Deaths.Count);
        Assert.Equal(["multi.late", "multi.shared"], (await _mesh.CatalogNamesAsync()).Order(StringComparer.Ordinal));
        foreach (var agent in victimAgents.SkipLast(1))
        {
            Assert.False(await _mesh.HasContractAsync(agent));
        }

        Assert.True(await _mesh.HasContractAsync("multi.shared"));
        Assert.True(await _mesh.HasContractAsync("multi.late"));
        Assert.False(await _mesh.HasInstanceAsync(victim.InstanceId));
    }

    [Fact]
    public async Task Graceful_exit_that_removed_its_instance_record_first_is_left_alone()
    {
        var monitor = await _mesh.StartMonitorAsync();
        await using var host = await _mesh.StartHostAsync(MeshIds.New(), "polite.agent");
        Assert.True(await _mesh.HasInstanceAsync(host.InstanceId));

        // The host only deletes its record (it does not deregister), so anything the monitor did would show.
        await host.StopGracefullyAsync();
        await Poll.UntilAsync(() => monitor.AdvisoriesProcessed >= 1, "the monitor has handled the advisory");

        Assert.Empty(_mesh.Deaths);
        Assert.Equal(["polite.agent"], await _mesh.CatalogNamesAsync());
        Assert.True(await _mesh.HasContractAsync("polite.agent"));
    }

    [Fact]
    public async Task Malformed_advisories_and_connections_not_named_oam_host_are_ignored_and_the_monitor_keeps_working()
    {
        var monitor = await _mesh.StartMonitorAsync();

        // A connection that is not an OAM host, whose name matches an instance record: not touched.
        await _mesh.Registry.RegisterAsync(new AgentContract { Name = "foreign.kept", Description = "kept", RegisteredAt = MeshIds.Now() });
        await _mesh.Registry.PutInstanceAsync("tool-1", ["foreign.kept"]);
        await using (var foreign = new NatsConnection(NatsOpts.Default with { Url = _mesh.Server.Url, Name = "tool-1" }))
        {
            await foreign.ConnectAsync();
        }

        await using (var unnamed = new NatsConnection(NatsOpts.Default with { Url = _mesh.Server.Url }))
        {
            await unnamed.ConnectAsync();
        }

        // Forged advisories on the system account: not JSON, wrong shapes, bad instance ids, a host with no record.
        var sys = await _mesh.ConnectSysAsync();
        string[] forged =
        [
            "",
            "not json",
            "{\"client\":",
            "[]",
            "42",
            "{}",
            "{\"client\":5}",
            "{\"client\":{}}",
            "{\"client\":{\"name\":42}}",
            "{\"client\":{\"name\":\"oam-host-\"}}",
            "{\"client\":{\"name\":\"oam-host-bad id*>\"}}",
            "{\"client\":{\"name\":\"oam-host-..\"}}",
            "{\"client\":{\"name\":\"oam-host-tool-1x\"}}",
            "{\"client\":{\"name\":\"tool-1\"}}",
        ];
        foreach (var body in forged)
        {
            await sys.PublishAsync("$SYS.ACCOUNT.APP.DISCONNECT", Encoding.UTF8.GetBytes(body));
        }

        // Then a real crash: handled normally, after everything above (advisories are handled in order).
        var crashed = MeshIds.New();
        await _mesh.VanishingHostAsync(crashed, "after.crash");
        await Poll.UntilAsync(() => _mesh.DeathsOf("after.crash").Count == 1, "the crash after the junk is handled");
        await Poll.UntilAsync(() => monitor.AdvisoriesProcessed >= forged.Length + 3, "every advisory is handled");

        Assert.Single(_mesh.Deaths);
        Assert.Equal(["foreign.kept"], await _mesh.CatalogNamesAsync());
        Assert.True(await _mesh.HasContractAsync("foreign.kept"));
        Assert.True(await _mesh.HasInstanceAsync("tool-1"));
        Assert.False(await _mesh.HasInstanceAsync(crashed));
    }

    [Fact]
    public async Task A_host_with_an_unparsable_instance_record_loses_the_record_without_notices()
    {
        var monitor = await _mesh.StartMonitorAsync();
        var id = MeshIds.New();
        await _mesh.Instances.PutAsync(id, "{not json"u8.ToArray());
        await using (var host = new NatsConnection(NatsOpts.Default with { Url = _mesh.Server.Url, Name = MeshSubjects.ConnectionName(id) }))
        {
            await host.ConnectAsync();
        }

        await Poll.UntilAsync(() => monitor.AdvisoriesProcessed >= 1, "the monitor has handled the advisory");
        Assert.False(await _mesh.HasInstanceAsync(id));
        Assert.Empty(_mesh.Deaths);

        var crashed = MeshIds.New();
        await _mesh.VanishingHostAsync(crashed, "still.working");
        await Poll.UntilAsync(() => _mesh.DeathsOf("still.working").Count == 1, "the next crash is handled");
    }

    [Fact]
    public async Task Starting_without_a_system_account_is_refused_clearly()
    {
        var e = await Assert.ThrowsAsync<ArgumentException>(() => HealthMonitor.StartAsync(new HealthMonitorOptions { Url = _mesh.AppUrl }));
        Assert.Contains("SysUrl", e.Message, StringComparison.Ordinal);

        // Bad system-account credentials: a clear error that does not echo the password.
        var bad = await Assert.ThrowsAsync<InvalidOperationException>(() => HealthMonitor.StartAsync(
            new HealthMonitorOptions { Url = _mesh.AppUrl, SysUrl = _mesh.SysUrl.Replace("oam-sys:", "oam-sys:wrong", StringComparison.Ordinal), ConnectTimeout = TimeSpan.FromSeconds(3) }));
        Assert.Contains("system account", bad.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong", bad.Message, StringComparison.Ordinal);

        // An APP user as the SYS connection would subscribe fine and hear nothing: refused up front.
        var app = await Assert.ThrowsAsync<InvalidOperationException>(() => HealthMonitor.StartAsync(new HealthMonitorOptions { Url = _mesh.AppUrl, SysUrl = _mesh.AppUrl }));
        Assert.Contains("not in the system account", app.Message, StringComparison.Ordinal);
        Assert.Contains("system_account", app.Message, StringComparison.Ordinal);
    }
}
