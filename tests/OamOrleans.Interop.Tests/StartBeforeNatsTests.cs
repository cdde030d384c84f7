using System.Text.Json;
using NATS.Client.Core;
using OamOrleans.Testing;
using Xunit;

namespace OamOrleans.Interop.Tests;

/// <summary>The real silo process started before NATS is there (a container deployment): it waits, or exits cleanly.</summary>
[Trait("Category", "Integration")]
public sealed class StartBeforeNatsTests
{
    [Fact]
    public async Task Silo_with_unreachable_nats_exits_1_with_one_clear_line_no_stack_trace_and_the_password_redacted()
    {
        var port = NatsServer.FreePort(); // nothing listens there
        await using var silo = OamSiloProcess.Start($"nats://bob:s3cret-pw@127.0.0.1:{port}", new Dictionary<string, string> { ["OAM_CONNECT_TIMEOUT"] = "2" });

        Assert.True(await silo.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the silo did not exit:\n" + silo.RecentOutput);
        var output = silo.RecentOutput;
        Assert.Equal(1, silo.ExitCode);
        Assert.Contains($"Waiting for NATS at nats://***@127.0.0.1:{port}", output, StringComparison.Ordinal);
        var errors = output.Split('\n').Where(l => l.StartsWith("Error:", StringComparison.Ordinal)).ToArray();
        Assert.StartsWith($"Error: NATS at nats://***@127.0.0.1:{port} did not accept a connection within 2 s", Assert.Single(errors), StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret-pw", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Silo_started_before_nats_comes_up_once_nats_starts_and_serves_a_call()
    {
        var port = NatsServer.FreePort();
        await using var silo = OamSiloProcess.Start($"nats://127.0.0.1:{port}", new Dictionary<string, string> { ["OAM_CONNECT_TIMEOUT"] = "120" });
        await silo.WaitForLineAsync(l => l.Contains("Waiting for NATS at", StringComparison.Ordinal), TimeSpan.FromSeconds(60), "the silo waiting for NATS");

        await using var nats = await NatsServer.StartAsync(port: port);
        await OamSiloProcess.WaitForCatalogAsync(silo, nats, SiloFixture.SampleAgents, TimeSpan.FromSeconds(90));

        await using var caller = nats.Connect("late-nats-caller");
        var reply = await caller.RequestAsync<string, string>("mesh.agent.demo.echo", """{"message":"late"}""");
        using var doc = JsonDocument.Parse(reply.Data!);
        Assert.Equal("Echo: late", doc.RootElement.GetProperty("reply").GetString());
        Assert.False(silo.HasExited);
    }
}
