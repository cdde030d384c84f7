using OamOrleans.Protocol;

namespace OamOrleans.Client;

/// <summary>
/// The agents offered as tools: catalog entries that pass <see cref="MeshToolOptions"/>, are invocable and not streaming
/// (in the catalog and in their contract), have a readable contract and a valid tool name. When two agents make the same
/// tool name (<c>a.b</c> and <c>a_b</c>), the first in catalog order is kept. Shared by the client and the silo.
/// </summary>
internal static class MeshToolSelection
{
    public static async ValueTask<IReadOnlyList<AgentContract>> SelectAsync(MeshClient client, MeshToolOptions? options, CancellationToken ct)
    {
        var entries = await client.CatalogAsync(
            new CatalogFilter { Channel = options?.Channel, Tags = options?.Tags, Invocable = true, Streaming = false },
            ct).ConfigureAwait(false);
        var names = options?.Names is { } list ? new HashSet<string>(list, StringComparer.Ordinal) : null;
        var toolNames = new HashSet<string>(StringComparer.Ordinal);
        var selected = new List<AgentContract>();
        foreach (var entry in entries)
        {
            if (names is not null && !names.Contains(entry.Name))
            {
                continue;
            }

            AgentContract contract;
            try
            {
                contract = await client.ContractAsync(entry.Name, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is MeshException or ArgumentException)
            {
                continue; // deregistered since the catalog was read, not a contract, or a foreign invalid name
            }

            if (IsTool(contract) && toolNames.Add(AgentContract.ToolNameOf(contract.Name)))
            {
                selected.Add(contract);
            }
        }

        return selected;
    }

    /// <summary>An agent a model can call: invocable, not streaming, with a name that makes a tool name.</summary>
    public static bool IsTool(AgentContract contract)
    {
        if (!contract.Invocable || contract.Streaming)
        {
            return false;
        }

        try
        {
            AgentContract.ToolNameOf(contract.Name);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>Why <paramref name="contract"/> is no tool, as the mesh error a caller of that agent would get.</summary>
    public static MeshException? Refusal(AgentContract contract)
    {
        if (!contract.Invocable)
        {
            return new InvocationMismatchException($"Agent '{contract.Name}' is not invocable (publisher)", contract.Name);
        }

        if (contract.Streaming)
        {
            return new InvocationMismatchException($"Agent '{contract.Name}' streams responses to requests; a tool needs a single reply", contract.Name);
        }

        try
        {
            AgentContract.ToolNameOf(contract.Name);
            return null;
        }
        catch (ArgumentException e)
        {
            return new InvalidInputException(e.Message, contract.Name);
        }
    }
}
