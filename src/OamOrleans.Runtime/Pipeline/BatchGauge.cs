using System.Diagnostics;

namespace OamOrleans.Pipeline;

/// <summary>
/// Whether a stateless agent's waiting requests may share one grain call: only while its calls come back fast. A batch
/// is answered when its slowest request is done, so an agent whose handlers take long (model calls, remote I/O) gets
/// one call per request instead, and no request waits for another. Batching only pays for fast handlers anyway: for
/// a slow one the cost of a grain call is noise.
/// </summary>
internal sealed class BatchGauge
{
    /// <summary>Requests slower than this on average (1 ms a request) stop batching until requests are fast again.</summary>
    private static readonly long SlowTicks = Stopwatch.Frequency / 1000;

    private long _average; // moving average of the time a call took per request in it, in Stopwatch ticks

    public bool Batching => Volatile.Read(ref _average) < SlowTicks;

    /// <summary>
    /// Records a call of <paramref name="requests"/> requests: its time per request, so the size of a batch does not
    /// decide (a large batch of fast handlers stays batched). Weight 1/8: one call at 8 ms or more a request is enough to stop.
    /// </summary>
    public void Record(long startedTimestamp, int requests)
    {
        var perRequest = (Stopwatch.GetTimestamp() - startedTimestamp) / requests;
        var average = Volatile.Read(ref _average);
        Volatile.Write(ref _average, average + ((perRequest - average) / 8)); // racing calls may lose a sample: one more call decides
    }
}
