using Microsoft.Extensions.AI;
using OamOrleans.Client;

namespace OamOrleans;

/// <summary>
/// Calls mesh agents by name from inside a silo. Agents hosted by this silo's cluster are called straight through
/// Orleans (no NATS hop, same validation and errors); every other agent is called over NATS with the OpenAgentMesh protocol.
/// Failures raise <see cref="OamOrleans.Client.MeshException"/> with the protocol's error code.
/// </summary>
/// <remarks>
/// Options are the client's <see cref="CallOptions"/>: <see cref="CallOptions.Timeout"/> (30 s when null, like the
/// reference), <see cref="CallOptions.ConversationId"/> (null lets the target decide: input key, else <c>default</c>),
/// <see cref="CallOptions.JsonOptions"/> (<see cref="MeshJson.AgentOptions"/> when null) and <see cref="CallOptions.Retry"/>
/// (calls over NATS; an in-cluster call fails over through Orleans instead). <see cref="CallOptions.Headers"/> is refused:
/// an in-cluster call carries no NATS headers, and a call must not depend on where its target runs.
/// </remarks>
public interface IAgentMesh
{
    /// <summary>Calls <paramref name="agent"/> with <paramref name="input"/> serialized as JSON and returns its typed output.</summary>
    /// <exception cref="ArgumentException">A bad agent name, or <see cref="CallOptions.Headers"/> set.</exception>
    Task<TOut> CallAsync<TOut>(string agent, object? input, CallOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Calls <paramref name="agent"/> with a raw JSON body and returns the raw JSON reply.</summary>
    Task<ReadOnlyMemory<byte>> CallJsonAsync(string agent, ReadOnlyMemory<byte> body, CallOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// The catalog agents as <see cref="AIFunction"/>s, as <see cref="MeshClient.GetAIFunctionsAsync"/> gives them, except
    /// that invoking one calls the agent through <see cref="CallJsonAsync"/>: in-cluster agents without a NATS hop.
    /// </summary>
    Task<IReadOnlyList<AIFunction>> GetAIFunctionsAsync(MeshToolOptions? options = null, CancellationToken cancellationToken = default);
}
