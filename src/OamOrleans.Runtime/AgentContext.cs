namespace OamOrleans;

/// <summary>What an agent knows about the request it is handling.</summary>
public sealed class AgentContext
{
    internal AgentContext(string agentName, string requestId, string conversationId, IAgentMesh mesh)
    {
        AgentName = agentName;
        RequestId = requestId;
        ConversationId = conversationId;
        Mesh = mesh;
    }

    /// <summary>The dotted name of the agent handling the request.</summary>
    public string AgentName { get; }

    /// <summary>The caller's <c>X-Mesh-Request-Id</c> (empty when the caller sent none).</summary>
    public string RequestId { get; }

    /// <summary>The conversation this turn belongs to (<c>default</c> when none was given).</summary>
    public string ConversationId { get; }

    /// <summary>Calls other agents by name: through Orleans when they are hosted in this cluster, else over NATS.</summary>
    public IAgentMesh Mesh { get; }
}
