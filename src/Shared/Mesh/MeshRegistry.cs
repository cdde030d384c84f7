using NATS.Client.Core;
using NATS.Client.KeyValueStore;
using NATS.Net;
using OamOrleans.Protocol;
using OamOrleans.Nats;

namespace OamOrleans.Client;

/// <summary>
/// Writes the registry, catalog and instance records the way the reference host and health monitor do (§4.2–§4.6):
/// catalog updates by compare-and-swap on the key's revision (create at revision 0), 10 attempts 10 ms apart,
/// other hosts' entries and their unknown fields preserved.
/// </summary>
internal sealed class MeshRegistry
{
    private const int CasAttempts = 10;
    private readonly INatsConnection _connection;
    private readonly INatsKVStore _catalog;
    private readonly INatsKVStore _registry;
    private readonly INatsKVStore _instances;

    private MeshRegistry(INatsConnection connection, INatsKVStore catalog, INatsKVStore registry, INatsKVStore instances)
    {
        _connection = connection;
        _catalog = catalog;
        _registry = registry;
        _instances = instances;
    }

    public static async ValueTask<MeshRegistry> OpenAsync(INatsConnection connection, CancellationToken ct = default)
    {
        var kv = connection.CreateKeyValueStoreContext();
        return new MeshRegistry(
            connection,
            await MeshStores.GetOrCreateKeyValueAsync(kv, MeshBuckets.Catalog, ct).ConfigureAwait(false),
            await MeshStores.GetOrCreateKeyValueAsync(kv, MeshBuckets.Registry, ct).ConfigureAwait(false),
            await MeshStores.GetOrCreateKeyValueAsync(kv, MeshBuckets.Instances, ct).ConfigureAwait(false));
    }

    /// <summary>Puts the contract and CASes its entry into the catalog.</summary>
    public async ValueTask RegisterAsync(AgentContract contract, CancellationToken ct = default)
    {
        await PutContractAsync(contract, ct).ConfigureAwait(false);
        await AddToCatalogAsync(contract, ct).ConfigureAwait(false);
    }

    /// <summary>Puts the contract under its name in <c>mesh-registry</c>.</summary>
    public async ValueTask PutContractAsync(AgentContract contract, CancellationToken ct = default) =>
        await _registry.PutAsync(contract.Name, contract.ToJsonBytes(), cancellationToken: ct).ConfigureAwait(false);

    /// <summary>CASes the contract's entry into the <c>catalog</c> key of <c>mesh-catalog</c>.</summary>
    public async ValueTask AddToCatalogAsync(AgentContract contract, CancellationToken ct = default)
    {
        var entry = contract.ToCatalogEntry();
        await UpdateCatalogAsync(doc => doc.With(entry), ct).ConfigureAwait(false);
        MeshDiagnostics.Count(RegistryMetrics.Registrations, contract.Name);
    }

    /// <summary>CAS-removes the catalog entry and deletes the registry key.</summary>
    public async ValueTask DeregisterAsync(string name, CancellationToken ct = default)
    {
        await UpdateCatalogAsync(doc => doc.Without(name), ct).ConfigureAwait(false);
        MeshDiagnostics.Count(RegistryMetrics.Deregistrations, name);
        try
        {
            await _registry.DeleteAsync(name, cancellationToken: ct).ConfigureAwait(false);
        }
        catch (NatsKVException)
        {
            // Already gone: another host or monitor deregistered it first.
        }
    }

    public async ValueTask<CatalogDocument> ReadCatalogAsync(CancellationToken ct = default)
    {
        var (doc, _) = await ReadCatalogWithRevisionAsync(ct).ConfigureAwait(false);
        return doc;
    }

    public ValueTask PutInstanceAsync(string instanceId, IEnumerable<string> agents, CancellationToken ct = default) =>
        PutAsync(_instances, instanceId, new InstanceRecord(agents.ToArray()).ToJsonBytes(), ct);

    public async ValueTask<InstanceRecord?> ReadInstanceAsync(string instanceId, CancellationToken ct = default)
    {
        var read = await _instances.ReadKeyAsync<byte[]>(instanceId, cancellationToken: ct).ConfigureAwait(false);
        return read.Entry?.Value is { } value ? InstanceRecord.Parse(value) : null;
    }

    public async ValueTask DeleteInstanceAsync(string instanceId, CancellationToken ct = default)
    {
        try
        {
            await _instances.DeleteAsync(instanceId, cancellationToken: ct).ConfigureAwait(false);
        }
        catch (NatsKVException)
        {
        }
    }

    /// <summary>The union of agents listed by all live instance records (the survivor rule's input).</summary>
    public async ValueTask<HashSet<string>> ServedAgentsAsync(CancellationToken ct = default)
    {
        var served = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var (_, record) in InstancesAsync(ct).ConfigureAwait(false))
        {
            served.UnionWith(record.Agents);
        }

        return served;
    }

    /// <summary>The ids of the live instance records that list <paramref name="agent"/>, sorted.</summary>
    public async ValueTask<IReadOnlyList<string>> InstancesOfAsync(string agent, CancellationToken ct = default)
    {
        var ids = new List<string>();
        await foreach (var (id, record) in InstancesAsync(ct).ConfigureAwait(false))
        {
            if (record.Agents.Contains(agent, StringComparer.Ordinal))
            {
                ids.Add(id);
            }
        }

        ids.Sort(StringComparer.Ordinal);
        return ids;
    }

    private async IAsyncEnumerable<(string Id, InstanceRecord Record)> InstancesAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var keys = new List<string>();
        try
        {
            await foreach (var key in _instances.GetKeysAsync(cancellationToken: ct).ConfigureAwait(false))
            {
                keys.Add(key);
            }
        }
        catch (NatsKVException)
        {
            // No keys at all.
        }

        foreach (var key in keys)
        {
            if (await ReadInstanceAsync(key, ct).ConfigureAwait(false) is { } record)
            {
                yield return (key, record);
            }
        }
    }

    /// <summary>Publishes <c>mesh.death.{name}</c> with no headers (§4.6).</summary>
    public async ValueTask PublishDeathAsync(DeathNotice notice, CancellationToken ct = default)
    {
        await _connection.PublishAsync(MeshSubjects.Death(notice.Agent), notice.ToJsonBytes(), cancellationToken: ct).ConfigureAwait(false);
        MeshDiagnostics.Count(RegistryMetrics.DeathNotices, notice.Agent);
    }

    private async ValueTask UpdateCatalogAsync(Func<CatalogDocument, CatalogDocument> change, CancellationToken ct)
    {
        Exception? last = null;
        for (var attempt = 0; attempt < CasAttempts; attempt++)
        {
            try
            {
                var (doc, revision) = await ReadCatalogWithRevisionAsync(ct).ConfigureAwait(false);
                var updated = change(doc).ToJsonBytes();
                if (revision == 0)
                {
                    await _catalog.CreateAsync(CatalogDocument.Key, updated, cancellationToken: ct).ConfigureAwait(false);
                }
                else
                {
                    await _catalog.UpdateAsync(CatalogDocument.Key, updated, revision, cancellationToken: ct).ConfigureAwait(false);
                }

                return;
            }
            catch (NatsKVException e)
            {
                last = e;
                await Task.Delay(10, ct).ConfigureAwait(false);
            }
        }

        throw new InvalidOperationException($"catalog update failed after {CasAttempts} compare-and-swap attempts", last);
    }

    private async ValueTask<(CatalogDocument Doc, ulong Revision)> ReadCatalogWithRevisionAsync(CancellationToken ct)
    {
        // A deleted key is updated on top of its delete marker's revision; a key never written is created (revision 0).
        var read = await _catalog.ReadKeyAsync<byte[]>(CatalogDocument.Key, cancellationToken: ct).ConfigureAwait(false);
        return (read.Entry is { } entry ? CatalogDocument.Parse(entry.Value ?? []) : CatalogDocument.Empty(), read.Revision);
    }

    private static async ValueTask PutAsync(INatsKVStore store, string key, byte[] value, CancellationToken ct) =>
        await store.PutAsync(key, value, cancellationToken: ct).ConfigureAwait(false);
}
