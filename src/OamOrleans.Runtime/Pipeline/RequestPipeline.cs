using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OamOrleans.Bridge;
using OamOrleans.Client;
using OamOrleans.Hosting;
using OamOrleans.Internal;
using OamOrleans.Middleware;
using OamOrleans.Protocol;

namespace OamOrleans.Pipeline;

/// <summary>
/// The one way into an agent. Every request, over NATS or by name inside the cluster, single or batched, call or stream,
/// and every turn a grain starts itself (a reminder, <see cref="AgentCall.OwnTurn"/>: received but not prepared),
/// passes the same steps: receive (log), prepare (checks, validation, conversation), invoke the grain, deliver the
/// outcome (the NATS part: reply, error envelope or nothing for a stream the grain answered), and record (logs, usage,
/// metrics, span). Middleware (<see cref="AgentMiddlewareChain"/>) runs between prepare and invoke; tracing and metrics
/// (<see cref="RequestTelemetry"/>) start at receipt and end in the record step.
/// Never throws: whatever goes wrong becomes an error outcome, and a NATS caller is answered exactly once.
/// </summary>
internal sealed partial class RequestPipeline(
    IAgentTurns invoker,
    IMeshOutbox publisher,
    ObservabilityGate logs,
    AgentMiddlewareChain middleware,
    IOptions<MeshHostOptions> options,
    ILogger<RequestPipeline> logger)
{
    public RequestLimits Limits { get; } = RequestLimits.From(options.Value);

    /// <summary>Middleware is registered: requests over NATS keep all their headers for it.</summary>
    public bool HasMiddleware => middleware.Any;

    /// <summary>Runs one request through every step; <paramref name="gauge"/> learns how long the grain call took.</summary>
    public async Task<AgentOutcome> RunAsync(AgentCall call, BatchGauge? gauge = null)
    {
        AgentOutcome outcome;
        try
        {
            RequestTelemetry.Start(call);
            if (await ReceiveAsync(call) is { } refused)
            {
                outcome = refused;
            }
            else
            {
                var invoked = Stopwatch.GetTimestamp();
                outcome = await InvokeStepAsync(call);
                gauge?.Record(invoked, 1);
            }
        }
        catch (Exception e)
        {
            return await FailAsync(call, e);
        }

        return await CompleteAsync(call, outcome);
    }

    /// <summary>
    /// Runs a request nobody prepared, for the grain that received it (<see cref="IAgentGrain.CallAsync"/>): every step
    /// as for a request by name, with <paramref name="turn"/>, the grain's own turn, as the invoke step.
    /// </summary>
    public Task<AgentOutcome> RunHereAsync(AgentDescriptor agent, AgentRequest request, Func<AgentRequest, CancellationToken, Task<AgentOutcome>> turn, CancellationToken cancellationToken)
    {
        var timeout = request.Timeout > TimeSpan.Zero && request.Timeout < Limits.RequestTimeout ? request.Timeout : Limits.RequestTimeout;
        return RunAsync(AgentCall.Here(agent, request, timeout, turn, cancellationToken));
    }

    /// <summary>
    /// Runs requests of one stateless agent that arrived together: each is received and prepared on its own (a refused
    /// one is answered at once), the accepted ones go to the grain in one call, then each is delivered and recorded on
    /// its own, exactly as if it had come alone.
    /// </summary>
    public async Task RunBatchAsync(AgentCall[] calls, BatchGauge gauge)
    {
        Debug.Assert(calls.Length > 0 && !calls[0].Agent.Conversational);
        var completions = new List<Task>(calls.Length);
        var accepted = new List<AgentCall>(calls.Length);
        var received = 0;
        var outer = Activity.Current;
        try
        {
            for (; received < calls.Length; received++)
            {
                var call = calls[received];
                RequestTelemetry.Start(call);
                if (call.Activity is not null)
                {
                    Activity.Current = outer; // each call's span is a sibling, not the parent of the next
                }

                if (await ReceiveAsync(call) is { } refused)
                {
                    AddPending(completions, CompleteAsync(call, refused));
                }
                else
                {
                    accepted.Add(call);
                }
            }

            if (accepted.Count > 0)
            {
                var invoked = Stopwatch.GetTimestamp();
                RequestTelemetry.Batch(accepted);
                if (accepted[0].Activity is { } first)
                {
                    Activity.Current = first; // the one grain call of a batch nests under its first request's span
                }

                var outcomes = middleware.Any
                    ? await Task.WhenAll(accepted.ConvertAll(call => Under(call.Activity, () => InvokeStepAsync(call)))) // middleware runs per request
                    : accepted.Count == 1
                        ? [await InvokeAsync(accepted[0])]
                        : await invoker.InvokeBatchAsync(accepted[0].Agent, accepted.ConvertAll(c => c.ToGrainRequest()).ToArray(), CancellationToken.None);
                if (accepted[0].Activity is not null)
                {
                    Activity.Current = outer;
                }

                gauge.Record(invoked, accepted.Count);
                for (var i = 0; i < accepted.Count; i++)
                {
                    AddPending(completions, CompleteAsync(accepted[i], outcomes[i]));
                }

                accepted.Clear();
            }
        }
        catch (Exception e)
        {
            // Whatever has not reached its completion yet is answered now.
            foreach (var call in accepted.Concat(calls.Skip(received)))
            {
                completions.Add(FailAsync(call, e));
            }
        }

        await Task.WhenAll(completions);
    }

    /// <summary>A completion still running is awaited with the batch; one done at once (the usual reply) costs no task.</summary>
    private static void AddPending(List<Task> completions, ValueTask<AgentOutcome> completion)
    {
        if (!completion.IsCompletedSuccessfully)
        {
            completions.Add(completion.AsTask());
        }
    }

    /// <summary>Receive and prepare: the arrival log, then the checks; returns the refusal to answer, or null.</summary>
    private async ValueTask<AgentOutcome?> ReceiveAsync(AgentCall call)
    {
        await logs.PublishAsync(call.Agent.Name, LogEvent.Debug, "request_received", call.RequestId, "");
        if (call.OwnTurn)
        {
            return null; // the grain's own turn: nothing a caller sent to check
        }

        AgentError? refused;
        try
        {
            refused = call.Agent.Prepare(call.Body, call.Stream, call.RequestId, call.ConversationHeader, Limits, out var conversation);
            call.Conversation = conversation;
        }
        catch (Exception e)
        {
            // Only hostile input reaches a check that throws: the input is what the caller must change.
            LogPrepareFailed(logger, e, call.Agent.Name);
            refused = new AgentError(MeshErrorCodes.InvalidInput, $"Input of agent '{call.Agent.Name}' could not be read: {e.Message}");
        }

        return refused is null ? null : AgentOutcome.Failure(refused);
    }

    /// <summary>The middleware step around the invoke step; skipped when no middleware is registered.</summary>
    private Task<AgentOutcome> InvokeStepAsync(AgentCall call) => middleware.Any
        ? middleware.RunAsync(new AgentInvocation(call.Agent.Name, call.RequestId, call.Conversation, call.Body, call.Stream, call.Headers, call.OverNats, logs), () => InvokeAsync(call))
        : InvokeAsync(call);

    /// <summary>Starts <paramref name="step"/> with <paramref name="activity"/> current, so the grain call nests under that request's span.</summary>
    private static Task<T> Under<T>(Activity? activity, Func<Task<T>> step)
    {
        if (activity is null)
        {
            return step();
        }

        var outer = Activity.Current;
        Activity.Current = activity;
        try
        {
            return step();
        }
        finally
        {
            Activity.Current = outer;
        }
    }

    private Task<AgentOutcome> InvokeAsync(AgentCall call) =>
        call.TurnHere is { } turn ? turn(call.ToGrainRequest(), call.CancellationToken)
        : call.Agent.Handler is { } handler ? InvokeDynamicAsync(call, handler)
        : call.Stream ? invoker.StreamAsync(call.Agent, call.ToGrainRequest(), call.CancellationToken)
        : invoker.InvokeAsync(call.Agent, call.ToGrainRequest(), call.CancellationToken);

    /// <summary>A dynamic agent (<see cref="IDynamicAgents"/>) is invoked by its handler here, not by a grain.</summary>
    private static async Task<AgentOutcome> InvokeDynamicAsync(AgentCall call, DynamicAgentHandler handler)
    {
        try
        {
            return AgentOutcome.Reply(await handler(new DynamicAgentRequest(call.Body, call.RequestId, call.Conversation)));
        }
        catch (MeshException e)
        {
            return AgentOutcome.Failure(AgentError.From(e));
        }
        catch (Exception e)
        {
            return AgentOutcome.Failure(MeshErrorCodes.HandlerError, $"Agent '{call.Agent.Name}' failed: {e.Message}");
        }
    }

    /// <summary>Deliver and record; a failure in either still answers the caller.</summary>
    private async ValueTask<AgentOutcome> CompleteAsync(AgentCall call, AgentOutcome outcome)
    {
        try
        {
            outcome = await DeliverAsync(call, outcome);
            await RecordAsync(call, outcome);
            return outcome;
        }
        catch (Exception e)
        {
            return await FailAsync(call, e);
        }
    }

    /// <summary>The NATS part: the reply, or the error envelope to the caller (or its stream) and <c>mesh.errors</c>.</summary>
    private async ValueTask<AgentOutcome> DeliverAsync(AgentCall call, AgentOutcome outcome)
    {
        if (!call.OverNats || outcome.Delivered)
        {
            return outcome;
        }

        if (outcome.Kind == AgentOutcomeKind.Reply)
        {
            if (call.ReplyTo is not { } replyTo)
            {
                return outcome; // a send without a reply subject: nobody to answer
            }

            if (outcome.Body.Length <= publisher.MaxBody)
            {
                await publisher.ReplyAsync(replyTo, call.Agent.Name, call.RequestId, call.ConversationHeader, outcome.Body, outcome.Usage);
                call.Answered = true;
                return outcome;
            }

            outcome = AgentOutcome.Failure(
                new AgentError(MeshErrorCodes.HandlerError, $"Agent '{call.Agent.Name}' produced a reply of {outcome.Body.Length} bytes, over the server's max_payload of {publisher.MaxBody + 1024} bytes"),
                outcome.Usage);
        }

        await PublishErrorAsync(call, outcome.Error!);
        return outcome;
    }

    private async ValueTask PublishErrorAsync(AgentCall call, AgentError error)
    {
        await publisher.ErrorToCallerAsync(error.ToEnvelope(call.Agent.Name, call.RequestId), call.RequestId, call.ReplyTo, call.Stream, call.ConversationHeader);
        call.Answered = true;
    }

    /// <summary>The record step: usage and outcome as log events (each only when its level is enabled).</summary>
    private async ValueTask RecordAsync(AgentCall call, AgentOutcome outcome)
    {
        var agent = call.Agent.Name;
        if (outcome.Usage is { } usage)
        {
            await logs.PublishAsync(agent, LogEvent.Info, "usage_reported", call.RequestId, "", w =>
            {
                using var doc = JsonDocument.Parse(usage);
                foreach (var p in doc.RootElement.EnumerateObject())
                {
                    p.WriteTo(w);
                }
            });
        }

        if (outcome.Error is { } error)
        {
            var @event = error.Code == MeshErrorCodes.InvalidInput ? "validation_error" : "request_failed";
            await logs.PublishAsync(agent, LogEvent.Warn, @event, call.RequestId, error.Message, w => w.WriteString("code", error.Code));
            LogAgentError(logger, agent, error.Code, error.Message);
        }
        else if (logs.IsEnabled(agent, LogEvent.Debug))
        {
            // Checked first: the message and its data closure are not built for a gated-off event.
            var ms = (long)Stopwatch.GetElapsedTime(call.Started).TotalMilliseconds;
            await logs.PublishAsync(agent, LogEvent.Debug, "request_completed", call.RequestId, $"Request completed in {ms}ms", w => w.WriteNumber("duration_ms", ms));
        }

        RequestTelemetry.End(call, outcome);
    }

    /// <summary>A step threw: answer the caller with <c>handler_error</c> if it was not answered yet.</summary>
    private async Task<AgentOutcome> FailAsync(AgentCall call, Exception exception)
    {
        LogRequestFailed(logger, exception, call.Agent.Name, call.RequestId);
        var outcome = AgentOutcome.Failure(MeshErrorCodes.HandlerError, $"Agent '{call.Agent.Name}' could not handle the request: {exception.Message}");
        RequestTelemetry.End(call, outcome);
        if (call.OverNats && !call.Answered)
        {
            try
            {
                await PublishErrorAsync(call, outcome.Error!);
            }
            catch (Exception e)
            {
                LogAnswerFailed(logger, e, call.Agent.Name, call.RequestId);
            }
        }

        return outcome;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Checking a request to agent '{Agent}' threw; answered invalid_input")]
    private static partial void LogPrepareFailed(ILogger logger, Exception exception, string agent);

    [LoggerMessage(Level = LogLevel.Error, Message = "Request {RequestId} to agent '{Agent}' failed in the pipeline; answered handler_error")]
    private static partial void LogRequestFailed(ILogger logger, Exception exception, string agent, string requestId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not answer request {RequestId} to agent '{Agent}' (the NATS connection may be down)")]
    private static partial void LogAnswerFailed(ILogger logger, Exception exception, string agent, string requestId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Agent '{Agent}' answered {Code}: {Message}")]
    private static partial void LogAgentError(ILogger logger, string agent, string code, string message);
}
