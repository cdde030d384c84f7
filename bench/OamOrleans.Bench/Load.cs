using System.Diagnostics;

namespace OamOrleans.Bench;

/// <summary>One measured window: every completed request's latency (Stopwatch ticks) and the wall time.</summary>
internal sealed record Sample(long Completed, long Errors, double Seconds, double P50Us, double P99Us)
{
    public double Throughput => Seconds > 0 ? Completed / Seconds : 0;

    /// <summary>The host process's CPU time over the window ÷ requests completed (null where not measured).</summary>
    public double? HostCpuUs { get; init; }

    /// <summary>Bytes the host process allocated over the window ÷ requests (null where the host is another process).</summary>
    public double? HostAllocBytes { get; init; }

    /// <summary>The nats-server's CPU time over the window ÷ requests completed: what the path costs the server.</summary>
    public double? ServerCpuUs { get; init; }
}

/// <summary>
/// A closed-loop load generator: <c>inFlight</c> workers, each sending its next request as soon as the previous one
/// answers, for a fixed duration. The same code drives every path (NATS rows, the Orleans client row, and the
/// in-silo row inside the bench agent), so only the path under test differs.
/// </summary>
internal static class Load
{
    /// <param name="op">One request by worker <c>w</c>; returns false for a wrong or error answer.</param>
    /// <param name="spawn">Start workers on the thread pool (false inside a grain: stay on its scheduler).</param>
    /// <param name="windowStarting">Called when the measured window begins (after the warm-up).</param>
    public static async Task<Sample> RunAsync(int inFlight, TimeSpan warmup, TimeSpan duration, Func<int, Task<bool>> op, bool spawn = true,
        Action? windowStarting = null)
    {
        if (warmup > TimeSpan.Zero)
        {
            await RunWindowAsync(inFlight, warmup, op, spawn, record: false);
        }

        windowStarting?.Invoke();
        return await RunWindowAsync(inFlight, duration, op, spawn, record: true);
    }

    /// <summary>
    /// A run whose caller is in this process (Orleans client, mesh client, in-silo calls): the CPU per request is this
    /// process's over the window, so it includes the caller's share.
    /// </summary>
    public static async Task<Sample> RunWithSelfCpuAsync(int inFlight, TimeSpan warmup, TimeSpan duration, Func<int, Task<bool>> op, bool spawn = true)
    {
        var cpu0 = TimeSpan.Zero;
        var server0 = TimeSpan.Zero;
        long alloc0 = 0;
        var sample = await RunAsync(inFlight, warmup, duration, op, spawn,
            () => (cpu0, server0, alloc0) = (HostCpu.Self(), HostCpu.OfServer(), GC.GetTotalAllocatedBytes(precise: true)));
        return sample with
        {
            HostCpuUs = HostCpu.PerRequestUs(HostCpu.Self() - cpu0, sample.Completed),
            ServerCpuUs = HostCpu.ServerPerRequestUs(server0, sample.Completed),
            HostAllocBytes = HostCpu.PerRequest(GC.GetTotalAllocatedBytes(precise: true) - alloc0, sample.Completed),
        };
    }

    private static async Task<Sample> RunWindowAsync(int inFlight, TimeSpan duration, Func<int, Task<bool>> op, bool spawn, bool record)
    {
        var latencies = new List<long>[inFlight];
        long errors = 0;
        var start = Stopwatch.GetTimestamp();
        var end = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var workers = new Task[inFlight];
        for (var w = 0; w < inFlight; w++)
        {
            var worker = w;
            var list = latencies[w] = new List<long>(record ? 1 << 14 : 0);
            async Task Loop()
            {
                while (true)
                {
                    var t0 = Stopwatch.GetTimestamp();
                    if (t0 >= end)
                    {
                        return;
                    }

                    bool ok;
                    try
                    {
                        ok = await op(worker);
                    }
                    catch (Exception)
                    {
                        ok = false;
                    }

                    if (!ok)
                    {
                        Interlocked.Increment(ref errors);
                    }
                    else if (record)
                    {
                        list.Add(Stopwatch.GetTimestamp() - t0);
                    }
                }
            }

            workers[w] = spawn ? Task.Run(Loop) : Loop();
        }

        await Task.WhenAll(workers);
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        return Summarize(latencies, Interlocked.Read(ref errors), seconds);
    }

    public static Sample Summarize(IEnumerable<List<long>> latencies, long errors, double seconds)
    {
        var all = latencies.SelectMany(l => l).ToArray();
        Array.Sort(all);
        return new Sample(all.LongLength, errors, seconds, ToUs(Percentile(all, 0.50)), ToUs(Percentile(all, 0.99)));
    }

    private static long Percentile(long[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private static double ToUs(long ticks) => ticks * 1_000_000.0 / Stopwatch.Frequency;

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
