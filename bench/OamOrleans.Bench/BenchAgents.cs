using OamOrleans.Samples.Agents;

namespace OamOrleans.Bench;

public sealed record RelayIn(int InFlight, int WarmupMs, int DurationMs);

public sealed record RelayOut(long Completed, long Errors, double Seconds, double P50Us, double P99Us, double? HostCpuUs, double? HostAllocBytes);

/// <summary>
/// <c>bench.relay</c>: the in-silo agent→agent row. One turn runs a closed loop of calls to <c>demo.echo</c> by name
/// through <see cref="AgentContext.Mesh"/> (routed through Orleans, no NATS hop) from inside this grain, and reports
/// the latencies it saw. The loop runs on the grain's own scheduler, as an agent's calls would.
/// </summary>
[Agent("bench.relay", Description = "Benchmark only: calls demo.echo by name in a closed loop inside the silo.", Tags = ["bench"])]
public sealed class RelayAgent : Agent<RelayIn, RelayOut>
{
    private static readonly EchoIn Input = new("hello");

    protected override async Task<RelayOut> HandleAsync(RelayIn input, AgentContext context)
    {
        var sample = await Load.RunWithSelfCpuAsync(
            input.InFlight,
            TimeSpan.FromMilliseconds(input.WarmupMs),
            TimeSpan.FromMilliseconds(input.DurationMs),
            async _ => (await context.Mesh.CallAsync<EchoOut>("demo.echo", Input)).Reply == "Echo: hello",
            spawn: false);
        return new RelayOut(sample.Completed, sample.Errors, sample.Seconds, sample.P50Us, sample.P99Us, sample.HostCpuUs, sample.HostAllocBytes);
    }
}
