using System.Diagnostics;
using OamOrleans.Pipeline;

namespace OamOrleans.Runtime.Tests.Units;

/// <summary><see cref="BatchGauge"/>: batching holds while calls are fast per request and stops when they are slow.</summary>
public sealed class BatchGaugeTests
{
    private static long StartedAgo(TimeSpan elapsed) => Stopwatch.GetTimestamp() - (long)(elapsed.TotalSeconds * Stopwatch.Frequency);

    [Fact]
    public void A_new_gauge_batches()
    {
        Assert.True(new BatchGauge().Batching);
    }

    [Fact]
    public void One_call_of_8_ms_or_more_a_request_stops_batching()
    {
        var gauge = new BatchGauge();
        gauge.Record(StartedAgo(TimeSpan.FromMilliseconds(9)), requests: 1);

        Assert.False(gauge.Batching);
    }

    [Fact]
    public void Time_is_counted_per_request_so_a_big_fast_batch_keeps_batching()
    {
        var gauge = new BatchGauge();
        gauge.Record(StartedAgo(TimeSpan.FromMilliseconds(9)), requests: 32); // 0.28 ms a request

        Assert.True(gauge.Batching);
    }

    [Fact]
    public void Fast_calls_bring_batching_back_after_a_slow_spell()
    {
        var gauge = new BatchGauge();
        gauge.Record(StartedAgo(TimeSpan.FromMilliseconds(20)), requests: 1);
        Assert.False(gauge.Batching);

        var calls = 0;
        while (!gauge.Batching)
        {
            gauge.Record(Stopwatch.GetTimestamp(), requests: 1);
            Assert.True(++calls < 100, "fast calls never brought batching back");
        }

        Assert.InRange(calls, 2, 40); // a moving average: neither one call nor forever
    }
}
