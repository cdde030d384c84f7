namespace OamOrleans.AdminUi;

/// <summary>
/// Where the Orleans view reads activations per agent type. Only a host inside the cluster has an honest source (a silo
/// asks Orleans' management grain), so the UI shows activations only when the host registers one; <c>oam ui</c> does not.
/// </summary>
public interface IAgentActivationSource
{
    /// <summary>The agent grains active now: one row per agent and silo with at least one activation.</summary>
    Task<IReadOnlyList<AgentActivationCount>> ReadAsync(CancellationToken cancellationToken);
}

/// <summary>How many activations of agent <paramref name="Agent"/> silo <paramref name="Silo"/> holds.</summary>
/// <param name="Agent">The dotted agent name, e.g. <c>demo.echo</c>.</param>
/// <param name="Silo">The silo's address as Orleans writes it (the membership table's <c>siloAddress</c>).</param>
/// <param name="Count">Activations of that agent's grain on that silo.</param>
public sealed record AgentActivationCount(string Agent, string Silo, int Count);
