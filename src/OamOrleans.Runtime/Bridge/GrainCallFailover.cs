using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using Orleans.Runtime.Messaging;
using OamOrleans.Hosting;
using OamOrleans.Internal;
using OamOrleans.Protocol;

namespace OamOrleans.Bridge;

/// <summary>
/// The invoke step's answer to a lost silo. A grain call that fails because the silo running (or holding) the activation
/// died is retried with backoff for <see cref="MeshHostOptions.FailoverRetryTimeout"/>: Orleans declares the silo dead,
/// the next attempt activates the grain on a live silo, which reads the conversation's last written state. A handler's
/// own failure never gets here (the grain answers it as an error response, not an exception). What is still failing
/// when the budget runs out becomes <c>not_available</c> or <c>timeout</c>, never <c>handler_error</c>.
/// </summary>
internal sealed partial class GrainCallFailover(IOptions<MeshHostOptions> options, ILogger<GrainCallFailover> logger)
{
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(1);
    private readonly TimeSpan _budget = options.Value.FailoverRetryTimeout;

    /// <summary>Runs <paramref name="call"/>, again after a lost silo, until it succeeds or the retry budget is spent.</summary>
    public Task<T> CallAsync<T>(string agent, Func<Task<T>> call) => CallAsync(agent, call, static call => new ValueTask<T>(call()));

    /// <summary>
    /// <see cref="CallAsync{T}(string, Func{Task{T}})"/> with the call's state passed in, so a static lambda serves
    /// (no closure and delegate per request on the hot path), returning the grain call's own <see cref="ValueTask{TResult}"/>
    /// (awaiting it directly saves the task Orleans would otherwise wrap its response in).
    /// </summary>
    public async Task<T> CallAsync<TState, T>(string agent, TState state, Func<TState, ValueTask<T>> call)
    {
        var started = Stopwatch.GetTimestamp();
        var backoff = FirstBackoff;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var result = await call(state);
                if (attempt > 1 && logger.IsEnabled(LogLevel.Information))
                {
                    var took = Stopwatch.GetElapsedTime(started);
                    LogRecovered(logger, agent, attempt, took.TotalMilliseconds);
                }

                return result;
            }
            catch (Exception e) when (Classify(e) != GrainCallLoss.None)
            {
                var elapsed = Stopwatch.GetElapsedTime(started);
                if (elapsed + backoff > _budget)
                {
                    throw new GrainCallFailedException(Classify(e), attempt, elapsed, e);
                }

                Client.MeshDiagnostics.Count(Pipeline.AgentMetrics.FailoverRetries, agent);
                if (logger.IsEnabled(LogLevel.Information))
                {
                    var exception = e.GetType().Name;
                    LogRetrying(logger, agent, attempt, exception, e.Message);
                }

                await Task.Delay(backoff);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
        }
    }

    /// <summary>
    /// What an exception from a grain call says about the cluster. Orleans rejects a message whose target silo was
    /// declared dead (<see cref="SiloUnavailableException"/>), whose activation vanished or could not be forwarded
    /// ("Forwarding failed …", <see cref="OrleansMessageRejectionException"/>), or whose connection broke; an answer
    /// that does not come within the response timeout is a <see cref="TimeoutException"/>. Anything else (an activation
    /// that fails to start, a serialization fault) is not a lost silo and is not retried.
    /// </summary>
    public static GrainCallLoss Classify(Exception exception) => exception switch
    {
        GrainCallFailedException failed => failed.Loss,
        OrleansMessageRejectionException or ConnectionFailedException or Orleans.Networking.Shared.SocketConnectionException => GrainCallLoss.SiloLost,
        TimeoutException => GrainCallLoss.Timeout,
        _ => GrainCallLoss.None,
    };

    /// <summary>The error a caller gets for a grain call that did not complete (the grain published nothing).</summary>
    public static AgentOutcome ErrorFor(string agent, string? conversation, Exception exception)
    {
        var (loss, retried) = exception is GrainCallFailedException f
            ? (f.Loss, $" (tried {f.Attempts} times over {f.Elapsed.TotalSeconds:0.0} s)")
            : (Classify(exception), "");
        var holder = conversation is null ? "the silo running the call" : $"the silo holding conversation '{conversation}'";
        var cause = exception is GrainCallFailedException { InnerException: { } inner } ? inner : exception;
        return AgentOutcome.Failure(loss switch
        {
            GrainCallLoss.SiloLost => new AgentError(
                MeshErrorCodes.NotAvailable,
                $"Agent '{agent}' is not available: {holder} was lost and no other silo took over in time{retried}: {cause.GetType().Name}: {cause.Message}"),
            _ when cause is OperationCanceledException => new AgentError(
                MeshErrorCodes.Timeout,
                $"The call to agent '{agent}' was cancelled by its caller before it was answered"),
            GrainCallLoss.Timeout => new AgentError(
                MeshErrorCodes.Timeout,
                $"Agent '{agent}' did not answer in time; {holder} may have been lost{retried}: {cause.Message}"),
            // An activation that could not read its state from NATS (a node lost, a stream leader being elected) is
            // the infrastructure's failure, not the handler's: a retry with the same request id is safe and may succeed.
            _ when FromNats(cause) => new AgentError(
                MeshErrorCodes.NotAvailable,
                $"Agent '{agent}' is not available: its state store did not answer ({cause.GetType().Name}: {cause.Message}); try again"),
            _ => new AgentError(MeshErrorCodes.HandlerError, $"Agent '{agent}' could not be reached in the cluster: {cause.GetType().Name}: {cause.Message}"),
        });
    }

    /// <summary>Whether NATS raised <paramref name="exception"/> or what it wraps (the NATS storage wraps its client's errors).</summary>
    private static bool FromNats(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception is NATS.Client.Core.NatsException)
            {
                return true;
            }
        }

        return false;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Agent '{Agent}': grain call attempt {Attempt} failed on a lost silo ({Exception}: {Reason}); retrying")]
    private static partial void LogRetrying(ILogger logger, string agent, int attempt, string exception, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Agent '{Agent}': grain call succeeded on attempt {Attempt} after {ElapsedMs:0} ms of failover")]
    private static partial void LogRecovered(ILogger logger, string agent, int attempt, double elapsedMs);
}

/// <summary>Why a grain call did not complete.</summary>
internal enum GrainCallLoss
{
    /// <summary>Not a cluster fault: the call is not retried.</summary>
    None,

    /// <summary>The silo running the activation died, or the message to it could not be delivered.</summary>
    SiloLost,

    /// <summary>No answer within Orleans' response timeout.</summary>
    Timeout,
}

/// <summary>A grain call that still failed on a lost silo when the failover retry budget ran out.</summary>
internal sealed class GrainCallFailedException(GrainCallLoss loss, int attempts, TimeSpan elapsed, Exception last)
    : Exception($"Grain call failed after {attempts} attempts over {elapsed.TotalSeconds:0.0} s: {last.Message}", last)
{
    public GrainCallLoss Loss { get; } = loss;

    public int Attempts { get; } = attempts;

    public TimeSpan Elapsed { get; } = elapsed;
}
