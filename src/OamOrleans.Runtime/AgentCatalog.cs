using System.Collections.Concurrent;
using System.Collections.Frozen;

namespace OamOrleans;

/// <summary>
/// The agents this silo hosts, by name: the agent classes, fixed at start-up, and the dynamic agents added and removed
/// at run time (<see cref="IDynamicAgents"/>). A class agent is found in the frozen table first, as before.
/// </summary>
internal sealed class AgentCatalog
{
    private readonly FrozenDictionary<string, AgentDescriptor> _byName;
    private readonly ConcurrentDictionary<string, AgentDescriptor> _dynamic = new(StringComparer.Ordinal);
    private volatile string[] _names;

    public AgentCatalog(IEnumerable<AgentRegistration> registrations)
    {
        var registeredAt = DateTimeOffset.UtcNow;
        var descriptors = new Dictionary<string, AgentDescriptor>(StringComparer.Ordinal);
        foreach (var type in registrations.Select(r => r.AgentClass).Distinct())
        {
            var descriptor = AgentDescriptor.Create(type, registeredAt);
            if (descriptors.TryGetValue(descriptor.Name, out var existing))
            {
                throw new InvalidOperationException(
                    $"Two agent classes claim the name '{descriptor.Name}': {existing.GrainClass.FullName} and {type.FullName}.");
            }

            descriptors.Add(descriptor.Name, descriptor);
        }

        _byName = descriptors.ToFrozenDictionary(StringComparer.Ordinal);
        _names = [.. All.Select(d => d.Name)];
    }

    /// <summary>Every hosted agent, class agents and dynamic ones, by name.</summary>
    public IEnumerable<AgentDescriptor> All => _byName.Values.Concat(_dynamic.Values).OrderBy(d => d.Name, StringComparer.Ordinal);

    /// <summary>The names of every hosted agent now (the instance record lists them).</summary>
    public IReadOnlyList<string> Names => _names;

    public bool TryGet(string name, out AgentDescriptor descriptor) =>
        _byName.TryGetValue(name, out descriptor!) || (!_dynamic.IsEmpty && _dynamic.TryGetValue(name, out descriptor!));

    /// <summary>True when an agent class of this silo has the name: a dynamic agent may not take it.</summary>
    public bool IsClassAgent(string name) => _byName.ContainsKey(name);

    /// <summary>Adds or replaces a dynamic agent.</summary>
    public void SetDynamic(AgentDescriptor descriptor)
    {
        _dynamic[descriptor.Name] = descriptor;
        _names = [.. All.Select(d => d.Name)];
    }

    /// <summary>Removes a dynamic agent; false when there was none of that name.</summary>
    public bool RemoveDynamic(string name)
    {
        if (!_dynamic.TryRemove(name, out _))
        {
            return false;
        }

        _names = [.. All.Select(d => d.Name)];
        return true;
    }
}

/// <summary>One agent class added to the silo (<c>AddAgent&lt;T&gt;()</c> or assembly scanning).</summary>
internal sealed record AgentRegistration(Type AgentClass);
