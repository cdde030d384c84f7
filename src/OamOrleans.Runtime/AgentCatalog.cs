using System.Collections.Frozen;

namespace OamOrleans;

/// <summary>The agents this silo hosts, by name.</summary>
internal sealed class AgentCatalog
{
    private readonly FrozenDictionary<string, AgentDescriptor> _byName;

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
    }

    public IEnumerable<AgentDescriptor> All => _byName.Values.OrderBy(d => d.Name, StringComparer.Ordinal);

    public bool TryGet(string name, out AgentDescriptor descriptor) => _byName.TryGetValue(name, out descriptor!);
}

/// <summary>One agent class added to the silo (<c>AddAgent&lt;T&gt;()</c> or assembly scanning).</summary>
internal sealed record AgentRegistration(Type AgentClass);
