using System.Diagnostics;
using OamOrleans.Internal;

namespace OamOrleans.Pipeline;

/// <summary>
/// One request on its way through the <see cref="RequestPipeline"/>, whichever way it came in: over NATS (with the
/// caller's reply subject, which may be absent) or by name inside the cluster (no NATS part).
/// </summary>
internal sealed class AgentCall(AgentDescriptor agent, byte[] body, string requestId, string? conversationHeader, bool stream, bool overNats, string? replyTo)
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

    /// <summary>The request as its grain receives it; only this silo's pipeline marks it prepared.</summary>
    public AgentRequest ToGrainRequest() => new(Body, RequestId, Conversation) { Prepared = true };

    public static AgentCall FromNats(AgentDescriptor agent, Bridge.MeshRequest msg) =>
        new(agent, msg.Body, msg.RequestId ?? "", msg.Conversation, msg.Stream, overNats: true, msg.ReplyTo)
        {
            TraceParent = msg.TraceParent,
            TraceState = msg.TraceState,
            Headers = msg.Headers,
        };

    public static AgentCall InCluster(AgentDescriptor agent, byte[] body, string requestId, string? conversationId) =>
        new(agent, body, requestId, conversationId, stream: false, overNats: false, replyTo: null);
}
