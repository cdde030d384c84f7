using OamOrleans.Protocol;

namespace OamOrleans;

/// <summary>What an agent knows about the request it is handling, and how it reports usage.</summary>
public sealed class AgentContext
{
    private readonly Lock _usageLock = new();
    private MeshUsage? _usage;

    internal AgentContext(string agentName, string requestId, string conversationId, IAgentMesh mesh)
    {
        AgentName = agentName;
        RequestId = requestId;
        ConversationId = conversationId;
        Mesh = mesh;
    }

    /// <summary>The dotted name of the agent handling the request.</summary>
    public string AgentName { get; }

    /// <summary>The caller's <c>X-Mesh-Request-Id</c> (empty when the caller sent none; empty for publishers).</summary>
    public string RequestId { get; }

    /// <summary>The conversation this turn belongs to (<c>default</c> when none was given).</summary>
    public string ConversationId { get; }

    /// <summary>Calls other agents by name: through Orleans when they are hosted in this cluster, else over NATS.</summary>
    public IAgentMesh Mesh { get; }

    /// <summary>
    /// Reports usage (tokens, model, cost) for this request; may be called several times — numbers are summed and the
    /// model keeps the last value. Sent as <c>X-Mesh-Usage</c> on the reply (or stream end frame) and as a
    /// <c>usage_reported</c> log event.
    /// </summary>
    public void ReportUsage(MeshUsage usage)
    {
        ArgumentNullException.ThrowIfNull(usage);
        lock (_usageLock)
        {
            _usage = _usage is null ? usage : _usage.Merge(usage);
        }
    }

    /// <summary>The merged usage as the header's compact JSON, or null when nothing was reported.</summary>
    internal string? UsageJson
    {
        get
        {
            lock (_usageLock)
            {
                return _usage?.ToJson();
            }
        }
    }
}
