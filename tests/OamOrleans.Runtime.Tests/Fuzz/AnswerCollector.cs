using System.Collections.Concurrent;
using System.Text.Json;
using NATS.Client.Core;
using OamOrleans.Protocol;

namespace OamOrleans.Runtime.Tests.Fuzz;

/// <summary>
/// Receives everything sent to the fuzz reply subjects and to <c>mesh.stream.&gt;</c>, and completes a request's wait
/// when its answer is in: one message on its reply subject, or a stream's terminal frame (end or error).
/// </summary>
internal sealed class AnswerCollector : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, ConcurrentQueue<NatsMsg<byte[]>>> _arrivals = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _waiting = new(StringComparer.Ordinal);
    private readonly List<(INatsSub<byte[]> Sub, Task Loop)> _subs = [];

    public static async Task<AnswerCollector> StartAsync(NatsConnection nats)
    {
        var collector = new AnswerCollector();
        foreach (var subject in new[] { HostileRequests.ReplyPrefix + ">", MeshSubjects.StreamPrefix + ">" })
        {
            var sub = await nats.SubscribeCoreAsync<byte[]>(subject);
            collector._subs.Add((sub, Task.Run(() => collector.ReceiveAsync(sub))));
        }

        await nats.PingAsync();
        return collector;
    }

    /// <summary>A task that completes when the answer on <paramref name="subject"/> has arrived.</summary>
    public Task Expect(string subject)
    {
        var waiter = _waiting.GetOrAdd(subject, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (IsAnswered(subject))
        {
            waiter.TrySetResult();
        }

        return waiter.Task;
    }

    public IReadOnlyList<NatsMsg<byte[]>> Arrivals(string subject) =>
        _arrivals.TryGetValue(subject, out var queue) ? [.. queue] : [];

    private async Task ReceiveAsync(INatsSub<byte[]> sub)
    {
        await foreach (var msg in sub.Msgs.ReadAllAsync())
        {
            _arrivals.GetOrAdd(msg.Subject, _ => new ConcurrentQueue<NatsMsg<byte[]>>()).Enqueue(msg);
            if (_waiting.TryGetValue(msg.Subject, out var waiter) && IsAnswered(msg.Subject))
            {
                waiter.TrySetResult();
            }
        }
    }

    private bool IsAnswered(string subject) =>
        _arrivals.TryGetValue(subject, out var queue) &&
        (!subject.StartsWith(MeshSubjects.StreamPrefix, StringComparison.Ordinal) || queue.Any(m => Header(m, MeshHeaders.StreamEnd) == MeshHeaders.True));

    public static string? Header(NatsMsg<byte[]> msg, string name) =>
        msg.Headers is { } h && h.TryGetValue(name, out var v) ? v.ToString() : null;

    public static JsonElement? Json(NatsMsg<byte[]> msg)
    {
        try
        {
            return JsonDocument.Parse(msg.Data ?? []).RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (sub, loop) in _subs)
        {
            await sub.UnsubscribeAsync();
            await loop;
        }
    }
}
