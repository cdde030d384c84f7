using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Net;
using NATS.Client.KeyValueStore;
using NATS.Client.ObjectStore;
using OamOrleans.Nats;
using OamOrleans.Protocol;

namespace OamOrleans.Client;

/// <summary>
/// Get-or-create of the mesh's buckets with the reference's settings (history 1, no TTL, file storage) and the configured
/// replicas (<c>OAM_REPLICAS</c>; the reference's 1 by default). A bucket that exists is opened as it is.
/// </summary>
internal static class MeshStores
{
    /// <summary>JetStream's "stream name already in use": another process created the bucket between our get and create.</summary>
    private const int StreamNameInUse = 10058;

    public static ValueTask<INatsKVStore> GetOrCreateKeyValueAsync(INatsKVContext kv, string bucket, CancellationToken ct = default) =>
        GetOrCreateKeyValueAsync(kv, bucket, replicas: 1, ct);

    public static async ValueTask<INatsKVStore> GetOrCreateKeyValueAsync(INatsKVContext kv, string bucket, int replicas, CancellationToken ct = default)
    {
        try
        {
            return await kv.GetStoreAsync(bucket, ct).ConfigureAwait(false);
        }
        catch (NatsKVException)
        {
        }
        catch (NatsJSApiException e) when (e.Error.Code == 404)
        {
        }

        try
        {
            return await kv.CreateStoreAsync(new NatsKVConfig(bucket) { History = 1, Storage = NatsKVStorageType.File, NumberOfReplicas = replicas }, ct).ConfigureAwait(false);
        }
        catch (NatsJSApiException e) when (e.Error.ErrCode == StreamNameInUse)
        {
            // Another process created it between our get and create.
            return await kv.GetStoreAsync(bucket, ct).ConfigureAwait(false);
        }
    }

    public static ValueTask<INatsObjStore> GetOrCreateObjectStoreAsync(INatsObjContext obj, string bucket, CancellationToken ct = default) =>
        GetOrCreateObjectStoreAsync(obj, bucket, replicas: 1, ct);

    public static async ValueTask<INatsObjStore> GetOrCreateObjectStoreAsync(INatsObjContext obj, string bucket, int replicas, CancellationToken ct = default)
    {
        try
        {
            return await obj.GetObjectStoreAsync(bucket, ct).ConfigureAwait(false);
        }
        catch (NatsJSException)
        {
        }

        try
        {
            return await obj.CreateObjectStoreAsync(new NatsObjConfig(bucket) { Storage = NatsObjStorageType.File, NumberOfReplicas = replicas }, ct).ConfigureAwait(false);
        }
        catch (NatsJSApiException e) when (e.Error.ErrCode == StreamNameInUse)
        {
            return await obj.GetObjectStoreAsync(bucket, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Creates (or opens) all five KV buckets and the object store, as every reference SDK instance does on connect.</summary>
    public static async ValueTask EnsureAllAsync(INatsConnection connection, int replicas = 1, CancellationToken ct = default)
    {
        var js = connection.CreateJetStreamContext();
        var kv = js.CreateKeyValueStoreContext();
        foreach (var bucket in MeshBuckets.KeyValue)
        {
            await GetOrCreateKeyValueAsync(kv, bucket, replicas, ct).ConfigureAwait(false);
        }

        await GetOrCreateObjectStoreAsync(js.CreateObjectStoreContext(), MeshBuckets.Artifacts, replicas, ct).ConfigureAwait(false);
    }

    /// <summary>The mesh buckets (KV and object store) in the order <see cref="EnsureAllAsync"/> makes them, with their streams.</summary>
    public static IEnumerable<(string Bucket, string Stream)> Streams() =>
        MeshBuckets.KeyValue.Select(b => (b, StreamReplicas.KeyValueStream(b))).Append((MeshBuckets.Artifacts, StreamReplicas.ObjectStream(MeshBuckets.Artifacts)));

    /// <summary>
    /// Every mesh bucket that has fewer than <paramref name="replicas"/> replicas (raised to it when <paramref name="reconcile"/>).
    /// The buckets must exist (<see cref="EnsureAllAsync"/>).
    /// </summary>
    public static async ValueTask<IReadOnlyList<ReplicaShortfall>> CheckReplicasAsync(INatsConnection connection, int replicas, bool reconcile, CancellationToken ct = default)
    {
        var js = connection.CreateJetStreamContext();
        var found = new List<ReplicaShortfall>();
        foreach (var (bucket, stream) in Streams())
        {
            if (await StreamReplicas.CheckAsync(js, bucket, stream, replicas, reconcile, ct).ConfigureAwait(false) is { } shortfall)
            {
                found.Add(shortfall);
            }
        }

        return found;
    }
}
