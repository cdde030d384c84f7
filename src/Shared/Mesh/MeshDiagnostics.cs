using System.Diagnostics;
using System.Diagnostics.Metrics;
using NATS.Client.Core;
using OamOrleans.Protocol;

namespace OamOrleans.Client;

/// <summary>
/// The <see cref="ActivitySource"/> and <see cref="Meter"/> named in <see cref="MeshTelemetry"/>, and the W3C trace
/// context on NATS headers. Everything here costs a field read when nobody listens: spans start only for a listener, and
/// headers carry the context of a span that exists.
/// </summary>
/// <remarks>
/// A source file linked into each assembly that reports telemetry (the client, the runtime, <c>oam</c>), so each has its
/// own source and meter of the same name: listeners and OpenTelemetry select them by name, and each instrument lives in
/// one assembly only, so no name is created twice.
/// </remarks>
internal static class MeshDiagnostics
{
    public const string TraceParent = "traceparent";
    public const string TraceState = "tracestate";

    public static readonly ActivitySource Source = new(MeshTelemetry.ActivitySourceName, typeof(MeshDiagnostics).Assembly.GetName().Version?.ToString());

    public static readonly Meter Meter = new(MeshTelemetry.MeterName, typeof(MeshDiagnostics).Assembly.GetName().Version?.ToString());

    /// <summary>Adds <paramref name="value"/> to <paramref name="counter"/> for <paramref name="agent"/> (<c>oam.agent</c>), when someone listens.</summary>
    public static void Count(Counter<long> counter, string agent, long value = 1)
    {
        if (counter.Enabled)
        {
            counter.Add(value, new KeyValuePair<string, object?>(MeshTags.Agent, agent));
        }
    }

    /// <summary>
    /// A client or producer span for a request to <paramref name="agent"/> (or a publish on <paramref name="subject"/>) (null when nobody listens), tagged with the
    /// messaging conventions: <c>messaging.system=nats</c>, destination, operation, request id, conversation.
    /// </summary>
    public static Activity? StartRequest(string operation, ActivityKind kind, string? agent, string subject, string requestId, string? conversation)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var activity = Source.StartActivity($"{operation} {agent ?? subject}", kind);
        if (activity is { IsAllDataRequested: true })
        {
            if (agent is not null)
            {
                activity.SetTag(MeshTags.Agent, agent);
            }

            activity.SetTag(MeshTags.MessagingSystem, MeshTags.Nats);
            activity.SetTag(MeshTags.Destination, subject);
            activity.SetTag(MeshTags.Operation, operation);
            activity.SetTag(MeshTags.OperationType, "send");
            activity.SetTag(MeshTags.MessageId, requestId);
            if (conversation is not null)
            {
                activity.SetTag(MeshTags.ConversationId, conversation);
            }
        }

        return activity;
    }

    /// <summary>
    /// Writes the current span's W3C context (<c>traceparent</c>, and <c>tracestate</c> when there is one) into
    /// <paramref name="headers"/>: the caller's own span when we made one, else any span the application has open.
    /// </summary>
    public static void Inject(NatsHeaders headers)
    {
        if (Activity.Current is { IdFormat: ActivityIdFormat.W3C } current)
        {
            headers[TraceParent] = current.Id;
            if (current.TraceStateString is { Length: > 0 } state)
            {
                headers[TraceState] = state;
            }
        }
    }

    /// <summary>Marks <paramref name="activity"/> failed with the protocol's error code (<c>error.type</c>).</summary>
    public static void Fail(Activity? activity, string code, string? message)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetStatus(ActivityStatusCode.Error, message);
        if (activity.IsAllDataRequested)
        {
            activity.SetTag(MeshTags.ErrorType, code);
        }
    }

    /// <summary>Marks a span failed by an exception: a <see cref="MeshException"/> gives its code.</summary>
    public static void Fail(Activity? activity, Exception exception) =>
        Fail(activity, exception is MeshException mesh ? mesh.Code : exception.GetType().FullName ?? "exception", exception.Message);

    /// <summary>For an exception filter: marks the span failed and lets the exception pass (never catches it).</summary>
    public static bool FailAndPass(Activity? activity, Exception exception)
    {
        Fail(activity, exception);
        return false;
    }

    /// <summary>Usage on a span, with the GenAI conventions' token attributes.</summary>
    public static void TagUsage(Activity? activity, MeshUsage? usage)
    {
        if (activity is not { IsAllDataRequested: true } || usage is null)
        {
            return;
        }

        if (usage.InputTokens is { } input)
        {
            activity.SetTag(MeshTags.InputTokens, input);
        }

        if (usage.OutputTokens is { } output)
        {
            activity.SetTag(MeshTags.OutputTokens, output);
        }

        if (usage.Model is { } model)
        {
            activity.SetTag(MeshTags.Model, model);
        }

        if (usage.EstimatedCostUsd is { } cost)
        {
            activity.SetTag(MeshTags.CostUsd, cost);
        }
    }
}

/// <summary>Attribute names on spans and metrics (OpenTelemetry messaging, RPC and GenAI conventions where one exists).</summary>
internal static class MeshTags
{
    public const string Agent = "oam.agent";
    public const string MessagingSystem = "messaging.system";
    public const string Nats = "nats";
    public const string Destination = "messaging.destination.name";
    public const string Operation = "messaging.operation.name";
    public const string OperationType = "messaging.operation.type";
    public const string MessageId = "messaging.message.id";
    public const string ConversationId = "messaging.message.conversation_id";
    public const string BatchSize = "messaging.batch.message_count";
    public const string RpcSystem = "rpc.system";
    public const string RpcMethod = "rpc.method";
    public const string ErrorType = "error.type";
    public const string Status = "oam.status";
    public const string Transport = "oam.transport";
    public const string StreamChunks = "oam.stream.chunks";
    public const string InputTokens = "gen_ai.usage.input_tokens";
    public const string OutputTokens = "gen_ai.usage.output_tokens";
    public const string TokenType = "gen_ai.token.type";
    public const string Model = "gen_ai.response.model";
    public const string CostUsd = "oam.usage.cost_usd";
}
