using System.Collections.Concurrent;
using System.Text;
using NATS.Client.Core;
using OamOrleans.Protocol;

namespace OamOrleans.Reliability.Tests;

/// <summary>One kind of request in a burst: the agent, its body, and its conversation (if any) for the i-th request.</summary>
internal sealed record BurstTarget(string Agent, string Body, Func<int, string?>? Conversation = null);

/// <summary>How requests of one agent ended: a reply, an error reply, or the caller's timeout; anything else is unaccounted.</summary>
internal sealed class BurstOutcome
{
    private long _replies, _errors, _timeouts, _unsent, _unaccounted;

    public long Replies => Interlocked.Read(ref _replies);

    public long Errors => Interlocked.Read(ref _errors);

    public long Timeouts => Interlocked.Read(ref _timeouts);

    /// <summary>The timeouts that happened before the request even left the caller (its connection's command timeout).</summary>
    public long Unsent => Interlocked.Read(ref _unsent);

    public long Unaccounted => Interlocked.Read(ref _unaccounted);

    public long Total => Replies + Errors + Timeouts + Unaccounted;

    /// <summary>Error codes (or NATS statuses) seen, with counts: what the errors were.</summary>
    public ConcurrentDictionary<string, long> ErrorCodes { get; } = new();

    /// <summary>The first few unexpected exceptions, for the failure message.</summary>
    public ConcurrentQueue<string> Surprises { get; } = new();

    public void Reply() => Interlocked.Increment(ref _replies);

    public void Error(string code)
    {
        Interlocked.Increment(ref _errors);
        ErrorCodes.AddOrUpdate(code, 1, (_, n) => n + 1);
    }

    public void Timeout() => Interlocked.Increment(ref _timeouts);

    public void TimeoutUnsent()
    {
        Interlocked.Increment(ref _timeouts);
        Interlocked.Increment(ref _unsent);
    }

    public void Unexpected(Exception e)
    {
        Interlocked.Increment(ref _unaccounted);
        if (Surprises.Count < 5)
        {
            Surprises.Enqueue($"{e.GetType().Name}: {e.Message}");
        }
    }

    public override string ToString() =>
        $"{Replies} replies, {Errors} errors{(ErrorCodes.IsEmpty ? "" : " (" + string.Join(", ", ErrorCodes.Select(p => $"{p.Key} {p.Value}")) + ")")}, {Timeouts} timeouts{(Unsent > 0 ? $" ({Unsent} before they were sent)" : "")}, {Unaccounted} unaccounted{(Surprises.IsEmpty ? "" : ": " + string.Join("; ", Surprises))}";
}

/// <summary>
/// Sends many requests at once from a plain NATS client, as a foreign caller would (every request in flight together,
/// none waiting for another), and records how each ended.
/// </summary>
internal static class RequestBurst
{
    /// <summary>Sends <paramref name="count"/> requests spread round-robin over <paramref name="targets"/>; returns when every one has ended.</summary>
    public static async Task<IReadOnlyDictionary<string, BurstOutcome>> SendAsync(INatsConnection nats, int count, IReadOnlyList<BurstTarget> targets, TimeSpan timeout)
    {
        var outcomes = targets.ToDictionary(t => t.Agent, _ => new BurstOutcome());
        var bodies = targets.Select(t => Encoding.UTF8.GetBytes(t.Body)).ToArray();
        var requests = new Task[count];
        for (var i = 0; i < count; i++)
        {
            var target = targets[i % targets.Count];
            requests[i] = OneAsync(nats, target.Agent, bodies[i % targets.Count], target.Conversation?.Invoke(i), timeout, outcomes[target.Agent]);
        }

        await Task.WhenAll(requests);
        return outcomes;
    }

    private static async Task OneAsync(INatsConnection nats, string agent, byte[] body, string? conversation, TimeSpan timeout, BurstOutcome outcome)
    {
        try
        {
            var headers = new NatsHeaders { [MeshHeaders.RequestId] = MeshIds.New() };
            if (conversation is not null)
            {
                headers[MeshHeaders.ConversationId] = conversation;
            }

            var reply = await nats.RequestAsync<byte[], byte[]>(MeshSubjects.Agent(agent), body, headers,
                replyOpts: new NatsSubOpts { Timeout = timeout });
            if (reply.Headers is { } h && h.TryGetValue(MeshHeaders.Status, out var status) && status.ToString() == MeshHeaders.StatusError)
            {
                outcome.Error(ErrorEnvelope.Parse(reply.Data ?? []).Code);
            }
            else
            {
                outcome.Reply();
            }
        }
        catch (NatsNoReplyException)
        {
            outcome.Timeout();
        }
        catch (NatsTimeoutException)
        {
            // The caller's connection could not even send the request within its command timeout.
            outcome.TimeoutUnsent();
        }
        catch (NatsNoRespondersException)
        {
            outcome.Error("no responders (503)");
        }
        catch (Exception e)
        {
            outcome.Unexpected(e);
        }
    }
}
