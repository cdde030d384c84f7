using NATS.Client.Core;
using OamOrleans.Protocol;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace OamOrleans.Client;

/// <summary>
/// The attempts of one call: each publishes the same request (same request id, same reply subject) and waits for an
/// answer. A failure worth another attempt is thrown as <see cref="RetryableCallException"/> carrying the error the
/// caller gets if no attempt succeeds; the retry schedule is Polly's (<see cref="Pipeline"/>), used only when retries are on.
/// </summary>
internal sealed class CallAttempts(
    MeshClient client,
    string agent,
    string subject,
    string requestId,
    ReadOnlyMemory<byte> body,
    NatsHeaders headers,
    CallReplies.PendingCall call,
    TimeSpan timeout)
{
    private int _attempt;

    /// <summary>Why the last attempt failed, as the caller would see it; null before any failure.</summary>
    public MeshException? LastFailure { get; private set; }

    /// <summary>What the caller gets when the deadline passes: the last attempt's failure, else the reference's timeout.</summary>
    public MeshException DeadlineFailure() => LastFailure is null or MeshTimeoutException ? new MeshTimeoutException(subject, timeout, agent, requestId) : LastFailure;

    /// <summary>One attempt; <paramref name="ct"/> ends at the attempt's timeout or the call's deadline.</summary>
    public async ValueTask<NatsMsg<byte[]>> OnceAsync(CancellationToken ct)
    {
        if (++_attempt > 1)
        {
            client.RecordRetry(agent, requestId, _attempt, LastFailure);
        }

        call.NextAttempt();
        var connection = client.Connection;
        if (connection.ConnectionState != NatsConnectionState.Open)
        {
            throw Retryable(client.Reconnecting(agent, requestId));
        }

        try
        {
            await connection.PublishAsync(subject, body, headers, call.Subject, MeshClient.RequestSerializer, cancellationToken: ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NatsException or ObjectDisposedException && !ct.IsCancellationRequested)
        {
            throw Retryable(new ConnectionFailedException($"Not connected to the mesh: {e.Message}", agent, requestId, innerException: e));
        }

        try
        {
            var msg = await call.AnswerAsync(ct).ConfigureAwait(false);
            if (msg.HasNoResponders)
            {
                // Nobody serves the subject right now. An agent the catalog knows is coming back (a silo restarting, a
                // NATS node lost): worth another attempt. One it does not know is not there at all.
                throw client.KnowsAgent(agent)
                    ? Retryable(new NotAvailableException($"Agent '{agent}' is in the catalog but nobody serves it right now", agent, requestId))
                    : new NotFoundException($"Agent '{agent}' not found", agent, requestId);
            }

            if (MeshClient.IsErrorStatus(msg.Headers ?? []) && MeshException.FromErrorReply(msg.Data ?? [], agent, requestId) is NotAvailableException notAvailable)
            {
                throw Retryable(notAvailable); // overloaded, or its silo was lost: the agent says try again
            }

            return msg;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw; // not ours: the caller's
        }
        catch (OperationCanceledException)
        {
            // The attempt's timeout or the call's deadline: no answer yet (Polly tells which by what it rethrows).
            LastFailure = new MeshTimeoutException(subject, timeout, agent, requestId);
            throw;
        }
    }

    private RetryableCallException Retryable(MeshException failure)
    {
        LastFailure = failure;
        return new RetryableCallException(failure);
    }

    /// <summary>
    /// The retry schedule of <paramref name="options"/> (retries on): attempts of <see cref="MeshRetryOptions.AttemptTimeout"/>
    /// each, exponential pauses with jitter. With retries off the caller runs <see cref="OnceAsync"/> once, on the call's deadline.
    /// </summary>
    public static ResiliencePipeline Pipeline(MeshRetryOptions options)
    {
        return new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<RetryableCallException>().Handle<TimeoutRejectedException>(),
                MaxRetryAttempts = options.MaxRetries,
                Delay = options.Delay,
                MaxDelay = options.MaxDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
            })
            .AddTimeout(options.AttemptTimeout)
            .Build();
    }
}

/// <summary>An attempt failed in a way another attempt may cure; <see cref="Failure"/> is what the caller sees if none does.</summary>
internal sealed class RetryableCallException(MeshException failure) : Exception(failure.Message, failure)
{
    public MeshException Failure { get; } = failure;
}
