using OamOrleans.Protocol;

namespace OamOrleans;

/// <summary>
/// Agents whose contract is known only at run time (for example the tools of an MCP server), hosted by this silo
/// beside its agent classes. Requests to them pass the same pipeline as every other agent (middleware, tracing,
/// metrics, request logs, limits, shedding, drain); only the invoke step calls the <see cref="DynamicAgentHandler"/>
/// instead of a grain. Each is a stateless responder: no conversation state, no streaming.
/// </summary>
public interface IDynamicAgents
{
    /// <summary>
    /// Serves <paramref name="contract"/>'s agent with <paramref name="handler"/> on the mesh and registers it (contract,
    /// catalog, this silo's instance record); a second call for the same name replaces its contract and handler.
    /// Waits until the silo's own agents are registered; fails when the silo is stopping or an agent class of the silo has the name.
    /// </summary>
    Task AddAsync(AgentContract contract, DynamicAgentHandler handler, CancellationToken cancellationToken = default);

    /// <summary>
    /// The silo's stop ends every dynamic agent with the others (drain, deregistration, death notice); this ends one
    /// before. Stops serving the agent (leaves its queue group, drains what is running) and deregisters it with the survivor
    /// rule, with a death notice; false when this silo did not serve it.
    /// </summary>
    Task<bool> RemoveAsync(string name, CancellationToken cancellationToken = default);
}

/// <summary>
/// Answers one request to a dynamic agent with the reply's JSON. To answer with an error, throw a
/// <see cref="OamOrleans.Client.MeshException"/> (its code and message reach the caller); any other exception is
/// answered <c>handler_error</c>.
/// </summary>
public delegate Task<byte[]> DynamicAgentHandler(DynamicAgentRequest request);

/// <summary>One request to a dynamic agent, after the pipeline's checks.</summary>
public sealed class DynamicAgentRequest
{
    internal DynamicAgentRequest(ReadOnlyMemory<byte> input, string requestId, string conversationId)
    {
        Input = input;
        RequestId = requestId;
        ConversationId = conversationId;
    }

    /// <summary>The raw input JSON (possibly empty).</summary>
    public ReadOnlyMemory<byte> Input { get; }

    /// <summary>The caller's <c>X-Mesh-Request-Id</c> (empty when it sent none).</summary>
    public string RequestId { get; }

    /// <summary>The conversation the request belongs to (<c>default</c> when none was given).</summary>
    public string ConversationId { get; }
}
