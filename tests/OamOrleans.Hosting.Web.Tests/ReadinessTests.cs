using System.Globalization;
using System.Net;
using NATS.Client.Core;
using NATS.Client.KeyValueStore;
using NATS.Net;

namespace OamOrleans.Hosting.Web.Tests;

/// <summary><c>/health/ready</c> of a real <c>oam-silo</c> while NATS goes away, while the silo starts, and while it stops
/// (one class each, so they run side by side).</summary>
internal static class Readiness
{
    public static Dictionary<string, string> WebPortOn(int port) => new() { ["OAM_HTTP_PORT"] = port.ToString(CultureInfo.InvariantCulture) };

    public static bool Ready(WebAnswer a) => a.Status == HttpStatusCode.OK;
}

[Trait("Category", "Integration")]
public sealed class NatsOutageReadinessTests
{
    [Fact]
    public async Task Ready_turns_503_naming_nats_while_the_server_is_down_and_200_again_after_it_restarts()
    {
        await using var nats = await NatsServer.StartAsync();
        var port = NatsServer.FreePort();
        await using var silo = await OamSiloProcess.StartAsync(nats, ["demo.echo"], Readiness.WebPortOn(port));
        await WebPort.WaitForAsync(port, MeshHealthPaths.Ready, Readiness.Ready, "ready before the outage", silo);

        await nats.KillAsync();
        var down = await WebPort.WaitForAsync(port, MeshHealthPaths.Ready, a => a.Status == HttpStatusCode.ServiceUnavailable, "503 while nats-server is down", silo);
        Assert.Equal("Unhealthy", down.Check(MeshReadinessCheck.Nats));
        Assert.Equal("Healthy", down.Check(MeshReadinessCheck.Silo));
        Assert.StartsWith("nats: the connection to ", down.Report.GetProperty("reason").GetString(), StringComparison.Ordinal);

        // The CLI says the same, with exit 1.
        var (exit, _, stderr) = await WebPort.RunAsync(WebPort.CliDll, ["mesh", "health", "--url", $"http://127.0.0.1:{port}"]);
        Assert.Equal(1, exit);
        Assert.Contains("is not ready: nats: ", stderr, StringComparison.Ordinal);

        await nats.RestartAsync();
        var back = await WebPort.WaitForAsync(port, MeshHealthPaths.Ready, Readiness.Ready, "ready again after the restart (reconnected and re-registered)", silo);
        Assert.All(MeshReadinessCheck.Names, name => Assert.Equal("Healthy", back.Check(name)));
    }

}

[Trait("Category", "Integration")]
public sealed class StartReadinessTests
{
    [Fact]
    public async Task Ready_is_503_naming_agents_while_the_silo_cannot_register_yet()
    {
        await using var nats = await NatsServer.StartAsync();
        // Another implementation made mesh-registry with a value limit no contract fits: registration keeps retrying.
        await using (var connection = nats.Connect("foreign-sdk"))
        {
            await connection.CreateKeyValueStoreContext().CreateStoreAsync(new NatsKVConfig("mesh-registry") { MaxValueSize = 16 });
        }

        var port = NatsServer.FreePort();
        // Killed at the end: a silo stuck in its start would only wait out the graceful stop.
        await using var silo = OamSiloProcess.Start(nats.Url, Readiness.WebPortOn(port), graceful: false);
        var starting = await WebPort.WaitForAsync(port, MeshHealthPaths.Ready, a => a.Status == HttpStatusCode.ServiceUnavailable, "503 while registration retries", silo);
        Assert.Equal("Unhealthy", starting.Check(MeshReadinessCheck.Agents));
        Assert.Equal("Healthy", starting.Check(MeshReadinessCheck.Nats));
        Assert.Contains("agents: not registered yet: the silo is starting", starting.Report.GetProperty("reason").GetString(), StringComparison.Ordinal);
        var live = await WebPort.GetAsync(port, MeshHealthPaths.Live);
        Assert.Equal(HttpStatusCode.OK, live!.Status);
    }

}

[Trait("Category", "Integration")]
public sealed class StopReadinessTests
{
    [Fact]
    public async Task Ready_is_503_while_the_silo_drains_on_shutdown()
    {
        await using var nats = await NatsServer.StartAsync();
        var port = NatsServer.FreePort();
        await using var silo = await OamSiloProcess.StartAsync(nats, ["demo.sleep"], Readiness.WebPortOn(port));
        await WebPort.WaitForAsync(port, MeshHealthPaths.Ready, Readiness.Ready, "ready", silo);

        // A request in flight holds the drain open (up to DrainTimeout), so the stopping silo stays up to be asked.
        await using var caller = nats.Connect("drain-caller");
        var slow = caller.RequestAsync<string, string>("mesh.agent.demo.sleep", """{"ms":3000}""", replyOpts: new NatsSubOpts { Timeout = TimeSpan.FromSeconds(30) }).AsTask();
        await caller.PingAsync();

        var stopped = silo.TerminateAsync(TimeSpan.FromSeconds(30));
        var stopping = await WebPort.WaitForAsync(port, MeshHealthPaths.Ready, a => a.Status == HttpStatusCode.ServiceUnavailable, "503 while the silo stops", silo);
        Assert.Equal("Unhealthy", stopping.Check(MeshReadinessCheck.Agents));
        Assert.Contains("agents: deregistered: the silo is stopping", stopping.Report.GetProperty("reason").GetString(), StringComparison.Ordinal);

        Assert.Contains("3000", (await slow).Data, StringComparison.Ordinal);
        Assert.True(await stopped, "the silo stops after the drain");
    }
}
