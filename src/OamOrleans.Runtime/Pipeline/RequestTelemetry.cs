using System.Diagnostics;
using OamOrleans.Client;
using OamOrleans.Internal;
using OamOrleans.Protocol;

namespace OamOrleans.Pipeline;

/// <summary>
/// The span and metrics of one request in the <see cref="RequestPipeline"/>: a server span named after the agent
/// (continuing the caller's <c>traceparent</c> over NATS, or the calling span inside the cluster), the in-flight gauge,
/// and at the end the request counter, duration, stream, validation and token counts. Each part is skipped when nobody
/// listens to it: no tags, no strings, no span.
/// </summary>
internal static class RequestTelemetry
{
    /// <summary>Starts the request's span (made current) and counts it in flight.</summary>
    public static void Start(AgentCall call)
    {
        if (AgentMetrics.Active.Enabled)
        {
            AgentMetrics.Active.Add(1, new KeyValuePair<string, object?>(MeshTags.Agent, call.Agent.Name));
            call.CountedActive = true;
        }

        if (!MeshDiagnostics.Source.HasListeners())
        {
            return;
        }

        // A send (no reply subject) is consumed, a call or stream is served.
        var kind = call.OverNats && call.ReplyTo is null && !call.Stream ? ActivityKind.Consumer : ActivityKind.Server;
        var activity = call.TraceParent is { } parent && ActivityContext.TryParse(parent, call.TraceState, isRemote: true, out var context)
            ? MeshDiagnostics.Source.StartActivity(call.Agent.Name, kind, context)
            : MeshDiagnostics.Source.StartActivity(call.Agent.Name, kind);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(MeshTags.Agent, call.Agent.Name);
            activity.SetTag(MeshTags.RpcSystem, "oam");
            activity.SetTag(MeshTags.RpcMethod, call.Agent.Name);
            activity.SetTag(MeshTags.Transport, call.OverNats ? "nats" : "cluster");
            activity.SetTag(MeshTags.MessageId, call.RequestId);
            activity.SetTag(MeshTags.Operation, call.Stream ? "stream" : "process");
            if (call.OverNats)
            {
                activity.SetTag(MeshTags.MessagingSystem, MeshTags.Nats);
                activity.SetTag(MeshTags.Destination, MeshSubjects.Agent(call.Agent.Name));
                activity.SetTag(MeshTags.OperationType, "process");
            }
        }

        call.Activity = activity;
    }

    /// <summary>Tags the calls of one batch with its size and records the size.</summary>
    public static void Batch(List<AgentCall> calls)
    {
        if (calls.Count < 2)
        {
            return; // arrived together with others, but alone at the grain: not a batch
        }

        if (AgentMetrics.BatchSize.Enabled)
        {
            AgentMetrics.BatchSize.Record(calls.Count, new KeyValuePair<string, object?>(MeshTags.Agent, calls[0].Agent.Name));
        }

        foreach (var call in calls)
        {
            if (call.Activity is { IsAllDataRequested: true } activity)
            {
                activity.SetTag(MeshTags.BatchSize, calls.Count);
            }
        }
    }

    /// <summary>Ends the request once: metrics by outcome, then the span's outcome tags and status.</summary>
    public static void End(AgentCall call, AgentOutcome outcome)
    {
        if (call.Ended)
        {
            return;
        }

        call.Ended = true;
        call.Agent.Health.Ended(call.Started, outcome.Error?.Code); // whichever way it came: NATS, by name, typed reference, own turn
        var agent = new KeyValuePair<string, object?>(MeshTags.Agent, call.Agent.Name);
        if (call.CountedActive)
        {
            AgentMetrics.Active.Add(-1, agent);
        }

        var status = new KeyValuePair<string, object?>(MeshTags.Status, outcome.IsError ? "error" : "ok");
        if (AgentMetrics.Requests.Enabled)
        {
            var tags = new TagList { agent, status, { MeshTags.Transport, call.OverNats ? "nats" : "cluster" } };
            if (outcome.Error is { } failed)
            {
                tags.Add(MeshTags.ErrorType, failed.Code);
            }

            AgentMetrics.Requests.Add(1, tags);
        }

        if (AgentMetrics.Duration.Enabled)
        {
            AgentMetrics.Duration.Record(Stopwatch.GetElapsedTime(call.Started).TotalSeconds, agent, status);
        }

        if (outcome.Error?.Code == MeshErrorCodes.InvalidInput)
        {
            MeshDiagnostics.Count(AgentMetrics.ValidationFailures, call.Agent.Name);
        }

        if (call.Stream)
        {
            if (AgentMetrics.Streams.Enabled)
            {
                AgentMetrics.Streams.Add(1, agent, status);
            }

            if (outcome.Count > 0)
            {
                MeshDiagnostics.Count(AgentMetrics.StreamChunks, call.Agent.Name, outcome.Count);
            }
        }

        var usage = outcome.Usage is not null && (AgentMetrics.Tokens.Enabled || call.Activity is not null) ? MeshUsage.Parse(outcome.Usage) : null;
        if (usage is not null && AgentMetrics.Tokens.Enabled)
        {
            if (usage.InputTokens is { } input)
            {
                AgentMetrics.Tokens.Add(input, agent, new(MeshTags.TokenType, "input"));
            }

            if (usage.OutputTokens is { } output)
            {
                AgentMetrics.Tokens.Add(output, agent, new(MeshTags.TokenType, "output"));
            }
        }

        if (call.Activity is not { } activity)
        {
            return;
        }

        if (activity.IsAllDataRequested)
        {
            activity.SetTag(MeshTags.ConversationId, call.Conversation);
            if (call.Stream)
            {
                activity.SetTag(MeshTags.StreamChunks, outcome.Count);
            }

            MeshDiagnostics.TagUsage(activity, usage);
        }

        if (outcome.Error is { } error)
        {
            MeshDiagnostics.Fail(activity, error.Code, error.Message);
        }

        activity.Dispose();
    }
}
