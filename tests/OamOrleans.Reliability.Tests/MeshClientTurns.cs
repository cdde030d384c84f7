using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using OamOrleans.Client;

namespace OamOrleans.Reliability.Tests;

/// <summary>
/// Conversational load through <see cref="MeshClient"/> as an application would drive it: each of
/// <paramref name="conversations"/> <c>demo.counter</c> conversations takes <paramref name="turns"/> turns one after the
/// other, each a plain <c>CallAsync</c> (the client's own retries, no retry of ours). Turn k must answer count k: a turn
/// lost reads low, a turn applied twice reads high. Counts the client's retries from its metric.
/// </summary>
internal sealed class MeshClientTurns(MeshClient client, int conversations, int turns, TimeSpan pause) : IDisposable
{
    private readonly ConcurrentQueue<string> _errors = new();
    private readonly ConcurrentQueue<string> _wrongCounts = new();
    private readonly MeterListener _retries = new();
    private long _acknowledged;
    private long _retried;
    private long _longestGapTicks;

    public long Acknowledged => Interlocked.Read(ref _acknowledged);

    /// <summary>Calls the client sent again with the same request id (metric <c>oam.client.call.retries</c>).</summary>
    public long Retried => Interlocked.Read(ref _retried);

    /// <summary>The longest time between two acknowledged turns of one conversation.</summary>
    public TimeSpan LongestGap => TimeSpan.FromTicks(Interlocked.Read(ref _longestGapTicks));

    public IReadOnlyCollection<string> Errors => _errors;

    public IReadOnlyCollection<string> WrongCounts => _wrongCounts;

    public string Summary =>
        $"{conversations} conversations x {turns} turns: {Acknowledged} acknowledged, {_errors.Count} errors, {_wrongCounts.Count} wrong counts, "
        + $"{Retried} retries, longest gap {LongestGap.TotalSeconds:0.00} s"
        + (_errors.IsEmpty ? "" : $"; first errors: {string.Join(" | ", _errors.Take(3))}")
        + (_wrongCounts.IsEmpty ? "" : $"; first wrong counts: {string.Join(" | ", _wrongCounts.Take(3))}");

    public Task RunAsync(CancellationToken ct)
    {
        _retries.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == MeshTelemetry.MeterName && instrument.Name == "oam.client.call.retries")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _retries.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _retried, value));
        _retries.Start();
        var run = "c" + Guid.NewGuid().ToString("N")[..6];
        return Task.WhenAll(Enumerable.Range(0, conversations).Select(i => ConversationAsync($"{run}-{i}", ct)));
    }

    private async Task ConversationAsync(string conversation, CancellationToken ct)
    {
        var last = Stopwatch.GetTimestamp();
        for (var turn = 1; turn <= turns; turn++)
        {
            try
            {
                var reply = await client.CallAsync<CounterReply>("demo.counter", new { }, new CallOptions { ConversationId = conversation, Timeout = TimeSpan.FromSeconds(30) }, ct);
                var gap = Stopwatch.GetElapsedTime(last).Ticks;
                last = Stopwatch.GetTimestamp();
                Interlocked.Increment(ref _acknowledged);
                for (var seen = Interlocked.Read(ref _longestGapTicks); gap > seen; seen = Interlocked.Read(ref _longestGapTicks))
                {
                    Interlocked.CompareExchange(ref _longestGapTicks, gap, seen);
                }

                if (reply.Count != turn)
                {
                    _wrongCounts.Enqueue($"{conversation} turn {turn} answered count {reply.Count}");
                    turn = reply.Count; // go on from what the conversation says, so one fault is reported once
                }
            }
            catch (MeshException e)
            {
                _errors.Enqueue($"{conversation} turn {turn}: {e.Code}: {e.Message}");
                return;
            }

            await Task.Delay(pause, ct);
        }
    }

    public void Dispose() => _retries.Dispose();

    private sealed record CounterReply(int Count);
}
