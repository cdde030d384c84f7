using System.Collections.Concurrent;
using System.Reflection;
using OamOrleans.AdminUi;
using Orleans.Runtime;

namespace OamOrleans.Silo;

/// <summary>
/// Activations per agent for the admin UI mounted in this silo, from Orleans' management grain. Its simple statistics
/// count every activation per silo, stateless workers included (the detailed ones leave those out), and name the grain
/// class (<c>Namespace.Class,Assembly</c>); the class's <see cref="AgentAttribute"/> names the agent. Other grains are
/// left out.
/// </summary>
internal sealed class SiloAgentActivations(IGrainFactory grains) : IAgentActivationSource
{
    private readonly ConcurrentDictionary<string, string?> _agentOfClass = new(StringComparer.Ordinal);

    public async Task<IReadOnlyList<AgentActivationCount>> ReadAsync(CancellationToken cancellationToken)
    {
        var management = grains.GetGrain<IManagementGrain>(0);
        var statistics = await management.GetSimpleGrainStatistics(hostsIds: null!, cancellationToken);
        return
        [
            .. statistics
                .Select(s => (Agent: _agentOfClass.GetOrAdd(s.GrainType, AgentOf), Silo: s.SiloAddress.ToParsableString(), s.ActivationCount))
                .Where(s => s.Agent is not null && s.ActivationCount > 0)
                .GroupBy(s => (s.Agent, s.Silo))
                .Select(g => new AgentActivationCount(g.Key.Agent!, g.Key.Silo, g.Sum(s => s.ActivationCount))),
        ];
    }

    /// <summary>A class of another silo's build that this one cannot load is no agent it can name.</summary>
    private static string? AgentOf(string grainClass) =>
        Type.GetType(grainClass, throwOnError: false)?.GetCustomAttribute<AgentAttribute>(inherit: false)?.Name;
}
