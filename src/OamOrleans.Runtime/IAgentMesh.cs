using Microsoft.Extensions.AI;
using OamOrleans.Client;

namespace OamOrleans;

/// <summary>
/// Calls mesh agents by name from inside a silo. Agents hosted by this silo's cluster are called straight through
/// Orleans (no NATS hop, same validation and errors); every other agent is called over NATS with the OpenAgentMesh protocol.
/// Failures raise <see cref="OamOrleans.Client.MeshException"/> with the protocol's error code.
/// </summary>
public interface IAgentMesh
{
    /// <summary>Calls <paramref name="agent"/> with <paramref name="input"/> serialized as JSON and returns its typed output.</summary>
    Task<TOut> CallAsync<TOut>(string agent, object? input, AgentCallOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Calls <paramref name="agent"/> with a raw JSON body and returns the raw JSON reply.</summary>
    Task<ReadOnlyMemory<byte>> CallJsonAsync(string agent, ReadOnlyMemory<byte> body, AgentCallOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// The catalog agents as <see cref="AIFunction"/>s, as <see cref="MeshClient.GetAIFunctionsAsync"/> gives them, except
    /// that invoking one calls the agent through <see cref="CallJsonAsync"/>: in-cluster agents without a NATS hop.
    /// </summary>
    Task<IReadOnlyList<AIFunction>> GetAIFunctionsAsync(MeshToolOptions? options = null, CancellationToken cancellationToken = default);
}

/// <summary>Per-call options for <see cref="IAgentMesh"/>.</summary>
public sealed record AgentCallOptions
{
    /// <summary>The conversation of the target agent; null lets the target decide (input key, else <c>default</c>).</summary>
    public string? ConversationId { get; init; }

    /// <summary>Deadline of the call; 30 s when null, like the reference.</summary>
    public TimeSpan? Timeout { get; init; }
}
