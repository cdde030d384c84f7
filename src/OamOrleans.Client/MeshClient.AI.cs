using Microsoft.Extensions.AI;

namespace OamOrleans.Client;

public sealed partial class MeshClient
{
    /// <summary>
    /// The catalog agents as <see cref="AIFunction"/>s for any <see cref="IChatClient"/> (e.g. with
    /// <c>FunctionInvokingChatClient</c>): invocable, non-streaming agents that pass <paramref name="options"/>' filters.
    /// Name, description and JSON schema come from each contract's tool conversion (<c>AgentContract.ToToolSchema</c>;
    /// a scalar or array input is offered as the property <c>input</c>); invoking one calls the agent over the mesh and
    /// returns its JSON reply, and a mesh error comes back as the result <c>{"error": {"code", "message", "agent", …}}</c>.
    /// The list is a snapshot of the catalog; call again to follow agents that come or go.
    /// </summary>
    public async ValueTask<IReadOnlyList<AIFunction>> GetAIFunctionsAsync(MeshToolOptions? options = null, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        await ConnectedAsync(cancellationToken).ConfigureAwait(false);
        var contracts = await MeshToolSelection.SelectAsync(this, options, cancellationToken).ConfigureAwait(false);
        return contracts.Select(c => (AIFunction)CreateFunction(c, options)).ToArray();
    }

    /// <summary>One agent as an <see cref="AIFunction"/> (see <see cref="GetAIFunctionsAsync"/>); only <see cref="MeshToolOptions.CallTimeout"/> applies.</summary>
    /// <exception cref="NotFoundException">The agent is not in the registry.</exception>
    /// <exception cref="InvocationMismatchException">The agent is a publisher, a background task or a streamer.</exception>
    /// <exception cref="InvalidInputException">The agent's name makes no tool name (longer than 64 characters).</exception>
    public async ValueTask<AIFunction> GetAIFunctionAsync(string agent, MeshToolOptions? options = null, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        var contract = await ContractAsync(agent, cancellationToken).ConfigureAwait(false);
        return MeshToolSelection.Refusal(contract) is { } refusal ? throw refusal : CreateFunction(contract, options);
    }

    private MeshAIFunction CreateFunction(Protocol.AgentContract contract, MeshToolOptions? options)
    {
        var callOptions = new CallOptions { Timeout = options?.CallTimeout };
        return new MeshAIFunction(contract, async (body, ct) =>
            (await CallRawAsync(contract.Name, body, callOptions, ct).ConfigureAwait(false)).Json);
    }
}
