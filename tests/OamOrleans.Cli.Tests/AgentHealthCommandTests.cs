using System.Text.Json.Nodes;
using OamOrleans.Client;
using OamOrleans.Hosting;
using OamOrleans.Protocol;
using OamOrleans.Samples.Agents;
using OamOrleans.Testing;

namespace OamOrleans.Cli.Tests;

/// <summary>The CLI's mesh with a silo that beats every 200 ms.</summary>
public sealed class HeartbeatMeshFixture : MeshFixture
{
    protected override Task<TestSilo> StartSiloAsync(string natsUrl) => TestSilo.StartAsync(
        natsUrl,
        configure: o =>
        {
            o.DrainTimeout = TimeSpan.FromSeconds(5);
            o.HeartbeatInterval = TimeSpan.FromMilliseconds(200);
        },
        agents: silo => silo.AddAgentsFromAssembly(typeof(EchoAgent).Assembly));
}

/// <summary><c>oam agent health</c> against a real silo's beats and the real registry.</summary>
[Trait("Category", "Integration")]
public sealed class AgentHealthCommandTests(HeartbeatMeshFixture mesh) : IClassFixture<HeartbeatMeshFixture>
{
    [Fact]
    public async Task A_beating_instance_is_reported_healthy_with_its_counts()
    {
        var call = await mesh.Oam("agent", "call", "demo.fail", """{"message":"x"}""");
        Assert.Equal(1, call.ExitCode);

        // Waits for a beat that counts the failed call: the first beat may predate it.
        JsonNode report;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        do
        {
            var health = await mesh.Oam("agent", "health", "demo.fail", "--json", "--wait", "10");
            Assert.True(health.ExitCode == 0, health.ToString());
            report = JsonNode.Parse(health.Stdout)!;
        }
        while (report["instances"]![0]!["beat"]!["last_error_code"] is null && DateTime.UtcNow < deadline);

        Assert.True(report["healthy"]!.GetValue<bool>());
        var instance = Assert.Single(report["instances"]!.AsArray())!;
        Assert.Equal(mesh.Silo.Mesh.InstanceId, instance["instance_id"]!.GetValue<string>());
        Assert.True(instance["registered"]!.GetValue<bool>());
        Assert.False(instance["silent"]!.GetValue<bool>());
        Assert.Equal("handler_error", instance["beat"]!["last_error_code"]!.GetValue<string>());
        Assert.Equal(200, instance["beat"]!["interval_ms"]!.GetValue<long>());

        var text = await mesh.Oam("agent", "health", "demo.fail");
        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.Contains("1 instance(s) registered, 1 beating, 0 silent", text.Stdout, StringComparison.Ordinal);
        Assert.Contains(mesh.Silo.Mesh.InstanceId, text.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_registered_instance_that_sends_no_beat_is_reported_silent_with_exit_1()
    {
        // A host that hung: its instance record lists the agent, but it beats no more (and sent no death notice).
        var hung = MeshIds.New();
        await using var client = await MeshClient.ConnectAsync(mesh.Url);
        var registry = await MeshRegistry.OpenAsync(client.Connection);
        await registry.PutInstanceAsync(hung, ["demo.echo"]);
        try
        {
            var health = await mesh.Oam("agent", "health", "demo.echo", "--json", "--wait", "2");
            Assert.True(health.ExitCode == 1, health.ToString());
            var report = JsonNode.Parse(health.Stdout)!;
            Assert.False(report["healthy"]!.GetValue<bool>());
            var instances = report["instances"]!.AsArray();
            var silent = Assert.Single(instances, i => i!["silent"]!.GetValue<bool>())!;
            Assert.Equal(hung, silent["instance_id"]!.GetValue<string>());
            Assert.Null(silent["beat"]);
            var beating = Assert.Single(instances, i => !i!["silent"]!.GetValue<bool>())!;
            Assert.Equal(mesh.Silo.Mesh.InstanceId, beating["instance_id"]!.GetValue<string>());

            var text = await mesh.Oam("agent", "health", "demo.echo", "--wait", "1");
            Assert.Equal(1, text.ExitCode);
            Assert.Contains($"{hung}  SILENT: registered, but sent no beat in 1 s", text.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            await registry.DeleteInstanceAsync(hung);
        }
    }

    [Fact]
    public async Task A_bad_wait_is_a_usage_error()
    {
        var health = await mesh.Oam("agent", "health", "demo.echo", "--wait", "0");
        Assert.Equal(2, health.ExitCode);
        Assert.Contains("--wait must be a positive number of seconds", health.Stderr, StringComparison.Ordinal);
    }
}
