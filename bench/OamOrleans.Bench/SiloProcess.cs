using System.Diagnostics;
using NATS.Client.Core;
using OamOrleans.Testing;

namespace OamOrleans.Bench;

/// <summary>Start-up and idle figures of the real silo process (issue 20).</summary>
/// <param name="FirstReplySeconds">Process start → first <c>demo.echo</c> request answered <c>ok</c>.</param>
/// <param name="IdleCpuMsPerSecond">CPU time per wall second with no traffic, after a warm run.</param>
/// <param name="IdleRssMiB">Resident set size at the end of the idle window.</param>
internal sealed record SiloProcessResult(double FirstReplySeconds, double IdleCpuMsPerSecond, double IdleRssMiB);

/// <summary>
/// The real silo executable (<c>oam-silo.dll</c>, default settings: localhost clustering, silo-local memory state,
/// no web port, no OTLP) in a process of its own on the run's nats-server: the host CPU of its rows is that process's
/// alone, read from <c>/proc</c>, as an operator would measure it.
/// </summary>
internal sealed class SiloProcess : IAsyncDisposable
{
    private static readonly byte[] EchoBody = """{"message":"hello"}"""u8.ToArray();
    private readonly ChildProcess _child;

    private SiloProcess(ChildProcess child, Process process, double firstReplySeconds)
    {
        _child = child;
        Process = process;
        FirstReplySeconds = firstReplySeconds;
    }

    public Process Process { get; }

    public double FirstReplySeconds { get; }

    /// <summary>Starts the silo and calls <c>demo.echo</c> every 20 ms until one call is answered: the time to first reply.</summary>
    public static async Task<SiloProcess> StartAsync(string natsUrl, NatsConnection caller, IReadOnlyDictionary<string, string> environment)
    {
        var started = Stopwatch.StartNew();
        var child = OamSiloProcess.Start(natsUrl, environment, name: "oam-silo");
        var process = System.Diagnostics.Process.GetProcessById(child.Pid);
        var headers = new NatsHeaders { ["X-Mesh-Request-Id"] = "first-reply" };
        var replyOpts = new NatsSubOpts { Timeout = TimeSpan.FromMilliseconds(20) };
        while (true)
        {
            child.ThrowIfExited("before its first reply");
            if (started.Elapsed > TimeSpan.FromSeconds(120))
            {
                throw new TimeoutException($"oam-silo answered nothing in 120 s: {child.RecentOutput}");
            }

            try
            {
                var reply = await caller.RequestAsync<byte[], byte[]>("mesh.agent.demo.echo", EchoBody, headers, replyOpts: replyOpts);
                if (reply.Headers is { } h && h.TryGetValue("X-Mesh-Status", out var s) && s == "ok")
                {
                    return new SiloProcess(child, process, started.Elapsed.TotalSeconds);
                }
            }
            catch (NatsNoRespondersException)
            {
                await Task.Delay(20);
            }
            catch (NatsNoReplyException)
            {
            }
        }
    }

    /// <summary>CPU per second and RSS over <paramref name="window"/> with no traffic.</summary>
    public async Task<SiloProcessResult> MeasureIdleAsync(TimeSpan window)
    {
        var cpu0 = HostCpu.Of(Process);
        var wall = Stopwatch.StartNew();
        await Task.Delay(window);
        var cpu = HostCpu.Of(Process) - cpu0;
        Process.Refresh();
        return new SiloProcessResult(FirstReplySeconds, cpu.TotalMilliseconds / wall.Elapsed.TotalSeconds, Process.WorkingSet64 / 1048576.0);
    }

    public ValueTask DisposeAsync()
    {
        Process.Dispose();
        return _child.DisposeAsync();
    }
}
