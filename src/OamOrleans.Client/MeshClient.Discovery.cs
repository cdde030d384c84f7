using OamOrleans.Nats;
using OamOrleans.Protocol;

namespace OamOrleans.Client;

public sealed partial class MeshClient
{
    /// <summary>Raised whenever the catalog cache takes a new catalog (hosts like <c>oam mcp serve</c> follow it live).</summary>
    public event Action? CatalogChanged
    {
        add => _catalog.Changed += value;
        remove => _catalog.Changed -= value;
    }

    /// <summary>
    /// The catalog from the local cache (kept current by a KV watch), filtered by channel, tags (all required),
    /// streaming and invocable flags, in catalog order.
    /// </summary>
    public async ValueTask<IReadOnlyList<CatalogEntry>> CatalogAsync(CatalogFilter? filter = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await ConnectedAsync(cancellationToken).ConfigureAwait(false);
        IEnumerable<CatalogEntry> entries = _catalog.Entries;
        if (filter is not null)
        {
            if (filter.Channel is { Length: > 0 } channel)
            {
                entries = entries.Where(e => AgentName.IsInChannel(e.Name, channel));
            }

            if (filter.Tags is { Count: > 0 } tags)
            {
                entries = entries.Where(e => tags.All(t => e.Tags.Contains(t)));
            }

            if (filter.Streaming is { } streaming)
            {
                entries = entries.Where(e => e.Streaming == streaming);
            }

            if (filter.Invocable is { } invocable)
            {
                entries = entries.Where(e => e.Invocable == invocable);
            }
        }

        return entries.ToArray();
    }

    /// <summary>Reads the contract of <paramref name="name"/> from <c>mesh-registry</c>.</summary>
    /// <exception cref="NotFoundException">No registry key for the agent.</exception>
    /// <exception cref="MeshException">The stored document is not a contract (code <c>mesh_error</c>).</exception>
    public async ValueTask<AgentContract> ContractAsync(string name, CancellationToken cancellationToken = default)
    {
        AgentName.Validate(name, nameof(name));
        var value = await ReadRegistryAsync(name, cancellationToken).ConfigureAwait(false)
            ?? throw new NotFoundException($"Agent '{name}' not found in the registry", name);
        try
        {
            return AgentContract.Parse(value);
        }
        catch (FormatException e)
        {
            throw new MeshException(MeshErrorCodes.MeshError, $"The registry entry of '{name}' is not a contract: {e.Message}", name, innerException: e);
        }
    }

    /// <summary>The contracts of the catalog entries in <paramref name="channel"/> (all when null); unreadable ones are skipped.</summary>
    public async ValueTask<IReadOnlyList<AgentContract>> DiscoverAsync(string? channel = null, CancellationToken cancellationToken = default)
    {
        var entries = await CatalogAsync(new CatalogFilter { Channel = channel }, cancellationToken).ConfigureAwait(false);
        var contracts = new List<AgentContract>(entries.Count);
        foreach (var entry in entries)
        {
            try
            {
                contracts.Add(await ContractAsync(entry.Name, cancellationToken).ConfigureAwait(false));
            }
            catch (MeshException)
            {
                // Deregistered since the catalog was read, or not a contract: discovery lists what it can read.
            }
            catch (ArgumentException)
            {
                // A catalog entry with an invalid name (written by some other tool): not discoverable.
            }
        }

        return contracts;
    }

    /// <summary>The raw <c>mesh-registry</c> document of <paramref name="agent"/>; null when the key is missing or empty.</summary>
    private async ValueTask<byte[]?> ReadRegistryAsync(string agent, CancellationToken ct)
    {
        try
        {
            var registry = await _registry.GetAsync(ct).ConfigureAwait(false);
            var entry = await registry.GetEntryAsync(agent, serializer: ReplySerializer, cancellationToken: ct).ConfigureAwait(false);
            return entry.Value is { Length: > 0 } value ? value : null;
        }
        catch (Exception e) when (NatsKVReads.IsMissingKey(e))
        {
            return null;
        }
    }
}
