using System.Diagnostics;
using OamOrleans.Internal;

namespace OamOrleans.Pipeline;

/// <summary>
/// One request on its way through the <see cref="RequestPipeline"/>, whichever way it came in: over NATS (with the
/// caller's reply subject, which may be absent), by name inside the cluster, or straight to a grain that runs it here
/// (no NATS part for either).
/// </summary>
internal sealed class AgentCall(AgentDescriptor agent, byte[] body, string requestId, string? conversationHeader, bool stream, bool overNats, string? replyTo, TimeSpan timeout)
{
    public AgentDescriptor Agent { get; } = agent;

    public byte[] Body { get; } = body;

    public string RequestId { get; } = requestId;

    /// <summary>The caller's <c>X-Mesh-Conversation-Id</c>, echoed on every answer.</summary>
    public string? ConversationHeader { get; } = conversationHeader;

    /// <summary>A stream request (<c>X-Mesh-Stream: true</c>): answered with frames on <c>mesh.stream.{request_id}</c>.</summary>
    public bool Stream { get; } = stream;

    /// <summary>Came over NATS: answered there (reply subject or stream subject, and <c>mesh.errors</c>).</summary>
    public bool OverNats { get; } = overNats;

    public string? ReplyTo { get; } = replyTo;

    public long Started { get; } = Stopwatch.GetTimestamp();

    /// <summary>How long the handler has from receipt: the caller's deadline bounded by the host's limit.</summary>
    public TimeSpan Timeout { get; } = timeout;

    /// <summary>An in-cluster caller's cancellation; none for NATS callers (their deadline is <see cref="Timeout"/>).</summary>
    public CancellationToken CancellationToken { get; init; }

    /// <summary>
    /// The turn of the grain that runs this call itself (<see cref="Internal.IAgentGrain.CallAsync"/>): the invoke step
    /// runs it in place instead of calling the grain, which is already the one running.
    /// </summary>
    public Func<AgentRequest, CancellationToken, Task<AgentOutcome>>? TurnHere { get; init; }

    /// <summary>
    /// A turn an agent grain starts itself (a reminder firing), not a caller's request: nothing to check or prepare (its
    /// conversation is set), so the receive step only logs; the rest runs as for every request.
    /// </summary>
    public bool OwnTurn { get; private init; }

    /// <summary>The conversation, once prepared.</summary>
    public string Conversation { get; set; } = ConversationIds.Default;

    /// <summary>Set once the caller has been answered on NATS: nothing is sent to it twice.</summary>
    public bool Answered { get; set; }

    /// <summary>The caller's W3C trace context (NATS, read only while a tracer listens).</summary>
    public string? TraceParent { get; set; }

    public string? TraceState { get; set; }

    /// <summary>The caller's NATS headers, kept only when middleware is registered.</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    /// <summary>The request's span, when a tracer listens.</summary>
    public Activity? Activity { get; set; }

    /// <summary>Counted in <c>oam.agent.requests.active</c>: taken off again at the end.</summary>
    public bool CountedActive { get; set; }

    /// <summary>The record step's telemetry ran (it runs once, whichever step ended the request).</summary>
    public bool Ended { get; set; }

    /// <summary>The prepared request as its grain receives it, with the time left of its deadline.</summary>
    public AgentRequest ToGrainRequest() => new(Body, RequestId, Conversation) { Timeout = Timeout - Stopwatch.GetElapsedTime(Started), ReplyTo = ReplyTo };

    /// <param name="agent">The agent subscribed to.</param>
    /// <param name="msg">The request as it arrived.</param>
    /// <param name="limits">The host's limits; a caller's <c>X-Mesh-Timeout</c> may shorten them, never lengthen them.</param>
    public static AgentCall FromNats(AgentDescriptor agent, Bridge.MeshRequest msg, RequestLimits limits)
    {
        var limit = msg.Stream ? limits.StreamTimeout : limits.RequestTimeout;
        return new(agent, msg.Body, msg.RequestId ?? "", msg.Conversation, msg.Stream, overNats: true, msg.ReplyTo,
            msg.Timeout is { } asked && asked < limit ? asked : limit)
        {
            TraceParent = msg.TraceParent,
            TraceState = msg.TraceState,
            Headers = msg.Headers,
        };
    }

    public static AgentCall InCluster(AgentDescriptor agent, byte[] body, string requestId, string? conversationId, TimeSpan timeout, CancellationToken cancellationToken) =>
        new(agent, body, requestId, conversationId, stream: false, overNats: false, replyTo: null, timeout) { CancellationToken = cancellationToken };

    /// <summary>A request a grain runs through this silo's pipeline itself (a typed reference, a silo that does not host the agent).</summary>
    public static AgentCall Here(AgentDescriptor agent, AgentRequest request, TimeSpan timeout, Func<AgentRequest, CancellationToken, Task<AgentOutcome>> turn, CancellationToken cancellationToken) =>
        new(agent, request.Body, request.RequestId, request.ConversationId, stream: false, overNats: false, replyTo: null, timeout)
        {
            CancellationToken = cancellationToken,
            TurnHere = turn,
        };

    /// <summary>A turn the grain of <paramref name="conversation"/> starts itself (<see cref="OwnTurn"/>), run in place by <paramref name="turn"/>.</summary>
    public static AgentCall Own(AgentDescriptor agent, byte[] body, string requestId, string conversation, TimeSpan timeout, Func<AgentRequest, CancellationToken, Task<AgentOutcome>> turn) =>
        new(agent, body, requestId, conversation, stream: false, overNats: false, replyTo: null, timeout)
        {
            OwnTurn = true,
            TurnHere = turn,
            Conversation = conversation,
        };
}
