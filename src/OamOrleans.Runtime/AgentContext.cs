using OamOrleans.Protocol;

namespace OamOrleans;

/// <summary>What an agent knows about the request it is handling, how it reports usage, and when to give up.</summary>
public sealed partial class AgentContext
{
    private static readonly AsyncLocal<AgentContext?> CurrentContext = new();

    private readonly long _deadline; // a Stopwatch timestamp; 0: none
    private readonly CancellationToken _caller;
    private readonly CancellationToken _stopping;

    // No lock object per request: usage is rare, so reports are merged with a compare-and-swap.
    private MeshUsage? _usage;
    private CancellationTokenSource? _cancellation;

    internal AgentContext(string agentName, string requestId, string conversationId, IAgentMesh mesh, TimeSpan timeout, CancellationToken caller, CancellationToken stopping)
    {
        AgentName = agentName;
        RequestId = requestId;
        ConversationId = conversationId;
        Mesh = mesh;
        _deadline = timeout > TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan
            ? System.Diagnostics.Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * System.Diagnostics.Stopwatch.Frequency)
            : 0;
        _caller = caller;
        _stopping = stopping;
    }

    /// <summary>
    /// The context of the agent call this code runs in: set for the handler and everything it awaits (an
    /// <c>IChatClient</c> registered with <c>AddAgentChatClient</c> reports its token usage here); null outside a call.
    /// </summary>
    public static AgentContext? Current => CurrentContext.Value;

    /// <summary>The dotted name of the agent handling the request.</summary>
    public string AgentName { get; }

    /// <summary>The caller's <c>X-Mesh-Request-Id</c> (empty when the caller sent none; empty for publishers).</summary>
    public string RequestId { get; }

    /// <summary>The conversation this turn belongs to (<c>default</c> when none was given).</summary>
    public string ConversationId { get; }

    /// <summary>
    /// The NATS reply subject the request arrived with; null for calls from inside the cluster (by name or typed
    /// reference), for reminder turns, and for a <c>send</c> without a reply subject. For <c>send(reply_to=S)</c> (the
    /// protocol's manual mode) it is <c>S</c>, a subject the caller keeps listening on, so a later turn (a reminder) may
    /// answer there with <see cref="ReplyToAsync"/>. For a plain request it is the caller's inbox for this one reply,
    /// which nobody reads once the reply arrived: keep it only for the current turn. The runtime sends the turn's reply
    /// there itself.
    /// </summary>
    public string? ReplyTo { get; internal init; }

    /// <summary>Calls other agents by name: through Orleans when they are hosted in this cluster, else over NATS.</summary>
    public IAgentMesh Mesh { get; }

    /// <summary>
    /// Fires when the handler should give up: at the caller's deadline (the <c>X-Mesh-Timeout</c> header of a NATS
    /// request, the timeout of an in-cluster call, bounded by <c>MeshHostOptions.RequestTimeout</c>, or
    /// <c>StreamTimeout</c> for a stream), when an in-cluster caller cancels its call, and when the silo stops and its
    /// drain period has ended. Pass it on to what the handler awaits; the caller is past caring once it fires. Made on
    /// first use: a handler that never reads it costs no timer.
    /// </summary>
    public CancellationToken CancellationToken => (Volatile.Read(ref _cancellation) ?? CreateCancellation()).Token;

    /// <summary>
    /// Reports usage (tokens, model, cost) for this request; may be called several times — numbers are summed and the
    /// model keeps the last value. Sent as <c>X-Mesh-Usage</c> on the reply (or stream end frame) and as a
    /// <c>usage_reported</c> log event.
    /// </summary>
    public void ReportUsage(MeshUsage usage)
    {
        ArgumentNullException.ThrowIfNull(usage);
        MeshUsage? seen;
        do
        {
            seen = Volatile.Read(ref _usage);
        }
        while (Interlocked.CompareExchange(ref _usage, seen is null ? usage : seen.Merge(usage), seen) != seen);
    }

    /// <summary>
    /// Makes <paramref name="context"/> <see cref="Current"/> for the rest of the calling async method and what it awaits;
    /// the runtime restores the caller's value when that method returns.
    /// </summary>
    internal static AgentContext Enter(AgentContext context) => CurrentContext.Value = context;

    /// <summary>The merged usage as the header's compact JSON, or null when nothing was reported.</summary>
    internal string? UsageJson => Volatile.Read(ref _usage)?.ToJson();

    /// <summary>The turn is over: its deadline timer, if one was made, is released.</summary>
    internal void End() => Volatile.Read(ref _cancellation)?.Dispose();

    private CancellationTokenSource CreateCancellation()
    {
        var cancellation = CancellationTokenSource.CreateLinkedTokenSource(_caller, _stopping, Pipeline.InProcessCancellation.Of(RequestId));
        if (_deadline != 0)
        {
            var left = System.Diagnostics.Stopwatch.GetElapsedTime(System.Diagnostics.Stopwatch.GetTimestamp(), _deadline);
            if (left > TimeSpan.Zero)
            {
                cancellation.CancelAfter(left);
            }
            else
            {
                cancellation.Cancel();
            }
        }

        return Interlocked.CompareExchange(ref _cancellation, cancellation, null) is { } first ? Discard(cancellation, first) : cancellation;
    }

    private static CancellationTokenSource Discard(CancellationTokenSource spare, CancellationTokenSource first)
    {
        spare.Dispose();
        return first;
    }
}
