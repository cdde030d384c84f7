using OamOrleans.Bridge;
using OamOrleans.Client;
using OamOrleans.Internal;
using OamOrleans.Protocol;

namespace OamOrleans;

/// <summary>One request as agent middleware sees it: who is called, with what, and afterwards how it ended.</summary>
public sealed class AgentInvocation
{
    private static readonly IReadOnlyDictionary<string, string> NoHeaders = new Dictionary<string, string>();
    private readonly ObservabilityGate? _logs;
    private MeshUsage? _added;
    private AgentOutcome? _outcome;

    internal AgentInvocation(string agentName, string requestId, string conversationId, ReadOnlyMemory<byte> input, bool stream,
        IReadOnlyDictionary<string, string>? headers, bool overNats, ObservabilityGate? logs)
    {
        AgentName = agentName;
        RequestId = requestId;
        ConversationId = conversationId;
        Input = input;
        IsStream = stream;
        Headers = headers ?? NoHeaders;
        OverNats = overNats;
        _logs = logs;
    }

    /// <summary>The dotted name of the agent called.</summary>
    public string AgentName { get; }

    /// <summary>The caller's <c>X-Mesh-Request-Id</c> (empty when it sent none).</summary>
    public string RequestId { get; }

    /// <summary>The conversation the request belongs to (<c>default</c> when none was given).</summary>
    public string ConversationId { get; }

    /// <summary>The raw input JSON, already validated against the agent's input schema.</summary>
    public ReadOnlyMemory<byte> Input { get; }

    /// <summary>A stream request (<c>X-Mesh-Stream: true</c>).</summary>
    public bool IsStream { get; }

    /// <summary>True for a request over NATS; false for a call by name inside the cluster.</summary>
    public bool OverNats { get; }

    /// <summary>The caller's NATS headers (names ignoring case, first value wins); empty for calls inside the cluster.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; }

    /// <summary>How the request ended; <see cref="AgentInvocationStatus.Running"/> until <c>next()</c> returned.</summary>
    public AgentInvocationStatus Status => _outcome switch
    {
        null => AgentInvocationStatus.Running,
        { Kind: AgentOutcomeKind.Reply } => AgentInvocationStatus.Replied,
        { Kind: AgentOutcomeKind.StreamEnd } => AgentInvocationStatus.StreamEnded,
        _ => AgentInvocationStatus.Failed,
    };

    /// <summary>The reply JSON once <see cref="Status"/> is <see cref="AgentInvocationStatus.Replied"/>; else empty.</summary>
    public ReadOnlyMemory<byte> Reply => _outcome is { Kind: AgentOutcomeKind.Reply } reply ? reply.Body : ReadOnlyMemory<byte>.Empty;

    /// <summary>The error (code, message, details) once <see cref="Status"/> is <see cref="AgentInvocationStatus.Failed"/>; else null.</summary>
    public MeshException? Error => _outcome?.Error?.ToException(AgentName, RequestId);

    /// <summary>The chunks a stream sent (also when it failed part way).</summary>
    public long StreamChunks => _outcome?.Count ?? 0;

    /// <summary>The usage so far: what the agent reported (once it ran) plus what middleware added.</summary>
    public MeshUsage? Usage
    {
        get
        {
            var agent = MeshUsage.Parse(_outcome?.Usage);
            return agent is null ? _added : _added is null ? agent : agent.Merge(_added);
        }
    }

    /// <summary>Adds usage to the request (summed as <see cref="AgentContext.ReportUsage"/> does); it reaches the caller's
    /// <c>X-Mesh-Usage</c> on a reply, and the logs, metrics and span for every request.</summary>
    public void ReportUsage(MeshUsage usage)
    {
        ArgumentNullException.ThrowIfNull(usage);
        _added = _added is null ? usage : _added.Merge(usage);
    }

    /// <summary>Publishes an event on <c>mesh.logs.{agent}</c> (when that level is enabled in <c>mesh-observability</c>).</summary>
    /// <param name="level"><c>debug</c>, <c>info</c>, <c>warn</c> or <c>error</c>.</param>
    /// <param name="event">The event name, e.g. <c>cache_miss</c>.</param>
    /// <param name="message">The human-readable message.</param>
    public ValueTask LogAsync(string level, string @event, string message) =>
        _logs?.PublishAsync(AgentName, level, @event, RequestId, message) ?? ValueTask.CompletedTask;

    internal AgentOutcome? Outcome => _outcome;

    internal void Complete(AgentOutcome outcome) => _outcome = outcome;

    /// <summary>The outcome with the usage middleware added merged in.</summary>
    internal AgentOutcome Finish(AgentOutcome outcome) =>
        _added is null ? outcome : outcome with { Usage = (MeshUsage.Parse(outcome.Usage) is { } agent ? agent.Merge(_added) : _added).ToJson() };
}
