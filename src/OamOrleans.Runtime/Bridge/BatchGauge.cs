using System.Diagnostics;

namespace OamOrleans.Bridge;

/// <summary>
/// Whether a stateless agent's waiting requests may share one grain call: only while its calls come back fast. A batch
/// is answered when its slowest request is done, so an agent whose handlers take long (model calls, remote I/O) gets
/// one call per request instead, and no request waits for another. Batching only pays for fast handlers anyway: for
/// a slow one the cost of a grain call is noise.
/// </summary>
internal sealed class BatchGauge
{
    /// <summary>Calls slower than this on average (1 ms) stop batching until calls are fast again.</summary>
    internal static readonly long SlowTicks = Stopwatch.Frequency / 1000;

    private long _average; // moving average of call durations, in Stopwatch ticks

    public bool Batching => Volatile.Read(ref _average) < SlowTicks;

    /// <summary>Records how long a call (one request or a batch) took; weight 1/8, so one slow batch is enough.</summary>
    public void Record(long startedTimestamp)
    {
        var elapsed = Stopwatch.GetTimestamp() - startedTimestamp;
        var average = Volatile.Read(ref _average);
        Volatile.Write(ref _average, average + ((elapsed - average) / 8)); // a lost update under a race only delays the switch
    }
}
