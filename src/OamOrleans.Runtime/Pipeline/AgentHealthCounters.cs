using System.Diagnostics;

namespace OamOrleans.Pipeline;

/// <summary>
/// One agent's counts on this silo between two heartbeats (<see cref="Bridge.AgentHeartbeat"/>), kept on its
/// <see cref="AgentDescriptor"/> so every kind of caller reaches them without a lookup: the endpoint (shed) and the
/// record step (every request, whichever way it came) only increment them (no lock, no allocation per request), the heartbeat reads and resets them.
/// </summary>
internal sealed class AgentHealthCounters
{
    private long _requests;
    private long _errors;
    private long _elapsedTicks;
    private long _shed;
    private volatile string? _lastErrorCode;

    /// <summary>A request was answered <c>not_available</c> because the agent's queue was full.</summary>
    public void Shed() => Interlocked.Increment(ref _shed);

    /// <summary>A request ended: counted with its duration since <paramref name="started"/>, and its error code if it failed.</summary>
    public void Ended(long started, string? errorCode)
    {
        Interlocked.Add(ref _elapsedTicks, Stopwatch.GetTimestamp() - started);
        if (errorCode is not null)
        {
            _lastErrorCode = errorCode;
            Interlocked.Increment(ref _errors);
        }

        Interlocked.Increment(ref _requests);
    }

    /// <summary>The counts since the previous call, reset to zero; the last error code stays until a newer one.</summary>
    public (long Requests, long Errors, double AvgLatencyMs, long Shed, string? LastErrorCode) TakeWindow()
    {
        // A request ending during the read may fall in two windows (its time in one, its count in the next); the sums over
        // all beats stay exact.
        var requests = Interlocked.Exchange(ref _requests, 0);
        var errors = Interlocked.Exchange(ref _errors, 0);
        var ticks = Interlocked.Exchange(ref _elapsedTicks, 0);
        var shed = Interlocked.Exchange(ref _shed, 0);
        var avg = requests == 0 ? 0 : ticks * 1000.0 / Stopwatch.Frequency / requests;
        return (requests, errors, avg, shed, _lastErrorCode);
    }
}
