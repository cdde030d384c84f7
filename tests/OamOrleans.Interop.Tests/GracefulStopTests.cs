using OamOrleans.Testing;
using Xunit;
using Xunit.Abstractions;

namespace OamOrleans.Interop.Tests;

/// <summary>
/// Graceful stop of the real silo process, observed by the Node.js foreign client (<c>tests/node/shutdown/graceful-stop.mjs</c>),
/// which sends the SIGTERM itself. Its own nats-server and silo: it stops them.
/// </summary>
[Trait("Category", "Integration")]
public sealed class GracefulStopTests(ITestOutputHelper output)
{
    [Fact]
    public async Task SigtermDeregistersAgentsAndPublishesDeathNotices()
    {
        await NodeTooling.EnsurePackagesAsync(InteropPaths.NodeSuiteDir);
        await using var nats = await NatsServer.StartAsync();
        await using var silo = await OamSiloProcess.StartAsync(nats, SiloFixture.SampleAgents, readyTimeout: TimeSpan.FromSeconds(120));

        var result = await NodeTooling.NodeAsync(
            InteropPaths.NodeSuiteDir,
            ["--test", "--test-reporter=spec", Path.Combine("shutdown", "graceful-stop.mjs")],
            nats.Url,
            TimeSpan.FromSeconds(90),
            new Dictionary<string, string> { ["OAM_SILO_PID"] = silo.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        output.WriteLine(result.Output);
        Assert.True(result.ExitCode == 0, $"graceful-stop.mjs exited with {result.ExitCode}:\n{result.Output}\n--- silo ---\n{silo.RecentOutput}");

        Assert.True(await silo.WaitForExitAsync(TimeSpan.FromSeconds(30)), $"the silo did not exit after SIGTERM:\n{silo.RecentOutput}");
        Assert.True(silo.ExitCode == 0, $"the silo exited with {silo.ExitCode} after SIGTERM:\n{silo.RecentOutput}");
    }
}
