namespace OamOrleans.Client;

/// <summary>
/// How <see cref="MeshClient.CallAsync{TOut}"/> and <see cref="MeshClient.CallRawAsync"/> retry a call whose answer did not
/// come: no reply within <see cref="AttemptTimeout"/>, nobody serving the agent for a moment (a silo restarting, a NATS node
/// lost), the client reconnecting, or a <c>not_available</c> answer. Every attempt re-sends the <b>same</b> request (same
/// <c>X-Mesh-Request-Id</c>, same reply subject, so a late answer to an earlier attempt is taken too) until the call's own
/// deadline (<see cref="CallOptions.Timeout"/>, else <see cref="MeshClientOptions.CallTimeout"/>); the pauses between attempts
/// grow exponentially with jitter (Polly's retry strategy).
/// </summary>
/// <remarks>
/// <para>
/// A conversational OamOrleans agent answers a request id it already ran from its turn log (<c>OAM_TURN_LOG_SIZE</c>), so a
/// retried turn changes the conversation's state once: exactly once. A stateless agent, or an agent of another
/// implementation, may run a retried request twice (at least once); turn retries off per call with
/// <see cref="None"/> where that matters, or raise <see cref="AttemptTimeout"/> above the agent's slowest answer.
/// </para>
/// <para>
/// Error answers other than <c>not_available</c> (<c>invalid_input</c>, <c>handler_error</c>, …) are the agent's and are never
/// retried; nor is <see cref="AgentDiedException"/>, an agent unknown to the catalog (<see cref="NotFoundException"/>), or a
/// permission refusal. Streams and sends are not retried (see their documentation).
/// </para>
/// </remarks>
public sealed record MeshRetryOptions
{
    /// <summary>The defaults (a new instance each time): retries on, 5 s per attempt, pauses from 100 ms up to 2 s.</summary>
    public static MeshRetryOptions Default => new();

    /// <summary>No retries: one attempt that waits for the whole deadline, as the reference's callers do.</summary>
    public static MeshRetryOptions None => new() { Enabled = false };

    /// <summary>Whether calls are retried at all. Default true.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>
    /// How long one attempt waits for its answer before the request is sent again (the wait for any answer goes on until
    /// the call's deadline). Default 5 s: a request that died with a silo or a NATS node is re-sent after 5 s.
    /// </summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The first pause before a retry; later pauses double, with jitter. Default 100 ms.</summary>
    public TimeSpan Delay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest pause between two attempts. Default 2 s.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Most retries after the first attempt (at least 1). Default <see cref="int.MaxValue"/>: as many as fit in the call's deadline.</summary>
    public int MaxRetries { get; init; } = int.MaxValue;
}
