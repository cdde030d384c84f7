using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using NATS.Client.Core;
using OamOrleans.Protocol;

namespace OamOrleans.Liveness.Tests;

/// <summary>
/// A foreign client (plain NATS.Net, no OAM library) that drives <c>demo.counter</c>: several conversations at once, one
/// turn after the other in each, every turn with a fresh <c>X-Mesh-Request-Id</c>. A turn that gets no reply within
/// <see cref="AttemptTimeout"/> (its request died with a silo) or gets an error reply is sent again with the same request
/// id, as a careful caller would, for up to <see cref="TurnDeadline"/>. Each reply's count is checked against the turns acknowledged so far: a lower count is
/// a lost turn, a higher one a turn counted twice.
/// </summary>
internal sealed class CounterLoad(NatsConnection nats, int conversations, int turns)
{
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan TurnDeadline = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Pace = TimeSpan.FromMilliseconds(100);

    private readonly ConcurrentQueue<string> _errors = new();
    private int _acknowledged;
    private int _lost;
    private int _duplicated;
    private int _resent;
    private long _longestOutageTicks;

    public int Acknowledged => Volatile.Read(ref _acknowledged);

    public IReadOnlyCollection<string> Errors => _errors;

    public int Lost => _lost;

    public int Duplicated => _duplicated;

    /// <summary>Requests sent again after no reply within the attempt timeout.</summary>
    public int Resent => _resent;

    /// <summary>Longest time between two acknowledged turns of one conversation (from the start for the first).</summary>
    public TimeSpan LongestOutage => TimeSpan.FromTicks(Interlocked.Read(ref _longestOutageTicks));

    public string Summary =>
        $"{conversations} conversations x {turns} turns: acknowledged {Acknowledged}, errors {Errors.Count}, lost {Lost}, duplicated {Duplicated}, "
        + $"re-sent after no reply {Resent}, longest outage {LongestOutage.TotalSeconds:0.00} s"
        + (Errors.Count == 0 ? "" : $"; errors by code: {string.Join(", ", Errors.GroupBy(e => e.Split(':')[0]).Select(g => $"{g.Key} x{g.Count()}"))}; first: {Errors.First()}");

    public Task RunAsync(CancellationToken ct) =>
        Task.WhenAll(Enumerable.Range(0, conversations).Select(i => ConversationAsync($"failover-{i}-{MeshIds.New()[..6]}", ct)));

    private async Task ConversationAsync(string conversation, CancellationToken ct)
    {
        var acknowledged = 0;
        var last = Stopwatch.GetTimestamp();
        for (var turn = 0; turn < turns; turn++)
        {
            var count = await TurnAsync(conversation, MeshIds.New(), ct);
            var now = Stopwatch.GetTimestamp();
            RecordOutage(Stopwatch.GetElapsedTime(last, now));
            last = now;
            acknowledged++;
            Interlocked.Increment(ref _acknowledged);
            if (count < acknowledged)
            {
                Interlocked.Add(ref _lost, acknowledged - count);
            }
            else if (count > acknowledged)
            {
                Interlocked.Add(ref _duplicated, count - acknowledged);
            }

            acknowledged = count; // judge the next turn against what the agent says now
            await Task.Delay(Pace, ct);
        }
    }

    /// <summary>One turn, re-sent with the same request id until it gets a successful reply; returns the agent's count.</summary>
    private async Task<int> TurnAsync(string conversation, string requestId, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        for (var attempt = 1; ; attempt++)
        {
            var headers = new NatsHeaders
            {
                [MeshHeaders.RequestId] = requestId,
                [MeshHeaders.ConversationId] = conversation,
            };
            try
            {
                var reply = await nats.RequestAsync<byte[], byte[]>(
                    MeshSubjects.Agent("demo.counter"), "{}"u8.ToArray(), headers, replyOpts: new NatsSubOpts { Timeout = AttemptTimeout }, cancellationToken: ct);
                var json = JsonDocument.Parse(reply.Data ?? []).RootElement;
                if (reply.Headers?[MeshHeaders.Status].ToString() != "error")
                {
                    return json.GetProperty("count").GetInt32();
                }

                _errors.Enqueue($"{json.GetProperty("code").GetString()}: {json.GetProperty("message").GetString()}");
            }
            catch (Exception e) when (e is NatsNoReplyException or NatsNoRespondersException)
            {
                Interlocked.Increment(ref _resent);
            }

            if (Stopwatch.GetElapsedTime(started) > TurnDeadline)
            {
                throw new InvalidOperationException($"Turn {requestId} of {conversation} got no successful reply in {attempt} attempts over {TurnDeadline.TotalSeconds:0} s; {Summary}");
            }

            await Task.Delay(Pace, ct);
        }
    }

    private void RecordOutage(TimeSpan gap)
    {
        var ticks = gap.Ticks;
        long seen;
        while (ticks > (seen = Interlocked.Read(ref _longestOutageTicks)) && Interlocked.CompareExchange(ref _longestOutageTicks, ticks, seen) != seen)
        {
        }
    }
}
