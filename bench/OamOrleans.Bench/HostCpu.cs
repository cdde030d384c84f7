using System.Diagnostics;

namespace OamOrleans.Bench;

/// <summary>
/// Host CPU per request: the CPU time (user + system, all threads) of the process that hosts the path under test,
/// read at the start and the end of a measured window, divided by the requests that window completed. The load
/// generator runs in a process of its own (<see cref="LoadProcess"/>), so for the NATS rows this is the host alone.
/// </summary>
internal static class HostCpu
{
    /// <summary>This process's CPU time so far (the bench process hosts the silos).</summary>
    public static TimeSpan Self()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }

    /// <summary>The run's nats-server: its CPU time per request is reported next to the host's (set once at start).</summary>
    public static Process? Server { get; set; }

    /// <summary>The nats-server's CPU time so far (zero when it is not known).</summary>
    public static TimeSpan OfServer() => Server is { } server ? Of(server) : TimeSpan.Zero;

    /// <summary>The nats-server's CPU µs per request since <paramref name="serverAtStart"/> (<see cref="OfServer"/>); null when it is not known.</summary>
    public static double? ServerPerRequestUs(TimeSpan serverAtStart, long requests) =>
        Server is null ? null : PerRequestUs(OfServer() - serverAtStart, requests);

    public static TimeSpan Of(Process process)
    {
        process.Refresh();
        return process.TotalProcessorTime;
    }

    public static double? PerRequestUs(TimeSpan cpu, long requests) => requests > 0 ? cpu.TotalMicroseconds / requests : null;

    public static double? PerRequest(long total, long requests) => requests > 0 ? (double)total / requests : null;
}
