using OamOrleans.Testing;
using Xunit.Abstractions;

namespace OamOrleans.Liveness.Tests;

/// <summary>
/// Failover under load with the real silo executable: two silos clustered and storing conversations in NATS
/// (<c>OAM_CLUSTERING=nats</c>, <c>OAM_STORAGE=nats</c>), a foreign NATS client driving <c>demo.counter</c>
/// conversations concurrently, and one silo SIGKILLed midway.
/// </summary>
[Trait("Category", "Integration")]
public sealed class FailoverTests(ITestOutputHelper output)
{
    private const int Conversations = 20;
    private const int Turns = 15;

    [Fact]
    public async Task Killed_silo_under_load_loses_no_turn_counts_none_twice_and_answers_no_error()
    {
        await using var server = await NatsServer.StartAsync();
        var cluster = new Dictionary<string, string>
        {
            ["OAM_CLUSTERING"] = "nats",
            ["OAM_STORAGE"] = "nats",
            ["OAM_CLUSTER_ID"] = "failover-" + Protocol.MeshIds.New()[..8],
            // The bridge's failover retries show in the survivor's log.
            ["Logging__LogLevel__OamOrleans.Bridge"] = "Information",
        };
        await using var survivor = OamSiloProcess.Start(server.Url, cluster, "the surviving silo", graceful: false);
        await using var victim = OamSiloProcess.Start(server.Url, cluster, "the killed silo", graceful: false);
        await Task.WhenAll(
            OamSiloProcess.WaitUntilServingAsync(survivor, TimeSpan.FromSeconds(60)),
            OamSiloProcess.WaitUntilServingAsync(victim, TimeSpan.FromSeconds(60)));

        await using var client = server.Connect("foreign-counter-client");
        var load = new CounterLoad(client, Conversations, Turns);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var run = load.RunAsync(deadline.Token);

        // Midway: a third of all turns acknowledged, conversations spread over both silos and both bridges.
        await Poll.UntilAsync(() => load.Acknowledged >= Conversations * Turns / 3 || run.IsCompleted, "a third of the turns are acknowledged");
        Assert.False(run.IsCompleted, $"the load finished before the kill: {load.Summary}");
        await victim.KillAsync();
        await run;

        output.WriteLine(load.Summary);
        output.WriteLine(survivor.RecentOutput);
        Assert.Equal(Conversations * Turns, load.Acknowledged);
        Assert.True(load.Errors.Count == 0 && load.Lost == 0 && load.Duplicated == 0, load.Summary);
        survivor.ThrowIfExited("after the other silo was killed");
    }

    [Theory]
    [InlineData("OAM_PROBE_TIMEOUT", "soon")]
    [InlineData("OAM_MISSED_PROBES", "0")]
    public async Task A_bad_failure_detection_setting_stops_the_silo_with_a_message_naming_it(string variable, string value)
    {
        await using var silo = OamSiloProcess.Start("nats://127.0.0.1:1", new Dictionary<string, string> { [variable] = value }, "the misconfigured silo", graceful: false);
        Assert.True(await silo.WaitForExitAsync(TimeSpan.FromSeconds(30)), silo.RecentOutput);
        Assert.Equal(2, silo.ExitCode);
        Assert.Contains($"{variable} must be a positive number", silo.RecentOutput, StringComparison.Ordinal);
    }
}
