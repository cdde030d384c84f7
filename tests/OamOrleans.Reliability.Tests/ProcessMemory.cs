using System.Globalization;

namespace OamOrleans.Reliability.Tests;

/// <summary>
/// The resident set (working set) of another process, read from <c>/proc/{pid}/status</c>, sampled in the background
/// while a test runs: its peak while sampled, and the kernel's own high-water mark (<c>VmHWM</c>).
/// </summary>
internal sealed class ProcessMemory : IAsyncDisposable
{
    private readonly int _pid;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampling;
    private long _peak;

    private ProcessMemory(int pid)
    {
        _pid = pid;
        _peak = ResidentBytes(pid);
        _sampling = Task.Run(SampleAsync);
    }

    /// <summary>Starts sampling every 20 ms.</summary>
    public static ProcessMemory Watch(int pid) => new(pid);

    /// <summary>The largest resident set seen since sampling began.</summary>
    public long PeakBytes => Math.Max(Interlocked.Read(ref _peak), 0);

    public static long ResidentBytes(int pid) => StatusKiB(pid, "VmRSS:") * 1024;

    /// <summary>The kernel's peak resident set of the process over its whole life.</summary>
    public static long HighWaterBytes(int pid) => StatusKiB(pid, "VmHWM:") * 1024;

    private async Task SampleAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                var now = ResidentBytes(_pid);
                if (now > Interlocked.Read(ref _peak))
                {
                    Interlocked.Exchange(ref _peak, now);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (IOException)
        {
            // The process exited: the test sees that itself.
        }
    }

    private static long StatusKiB(int pid, string field)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException($"/proc/{pid}/status has no {field} line");
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _sampling;
        _stop.Dispose();
    }

    public static string MiB(long bytes) => $"{bytes / (1024.0 * 1024):0} MiB";
}
