using NATS.Client.JetStream;
using NATS.Net;
using NATS.Client.KeyValueStore;
using NATS.Client.ObjectStore;
using OamOrleans.Protocol;

namespace OamOrleans.Client;

/// <summary>Get-or-create of the mesh's buckets with the reference's settings (history 1, no TTL, file storage, 1 replica).</summary>
internal static class MeshStores
{
    public static async ValueTask<INatsKVStore> GetOrCreateKeyValueAsync(INatsKVContext kv, string bucket, CancellationToken ct = default)
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
            return await kv.CreateStoreAsync(new NatsKVConfig(bucket) { History = 1, Storage = NatsKVStorageType.File, NumberOfReplicas = 1 }, ct).ConfigureAwait(false);
        }
        catch (NatsJSApiException)
        {
            // Another process created it between our get and create.
            return await kv.GetStoreAsync(bucket, ct).ConfigureAwait(false);
        }
    }

    public static async ValueTask<INatsObjStore> GetOrCreateObjectStoreAsync(INatsObjContext obj, string bucket, CancellationToken ct = default)
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
            return await obj.CreateObjectStoreAsync(new NatsObjConfig(bucket) { Storage = NatsObjStorageType.File, NumberOfReplicas = 1 }, ct).ConfigureAwait(false);
        }
        catch (NatsJSApiException)
        {
            return await obj.GetObjectStoreAsync(bucket, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Creates (or opens) all five KV buckets and the object store, as every reference SDK instance does on connect.</summary>
    public static async ValueTask EnsureAllAsync(NATS.Client.Core.INatsConnection connection, CancellationToken ct = default)
    {
        var js = connection.CreateJetStreamContext();
        var kv = js.CreateKeyValueStoreContext();
        foreach (var bucket in MeshBuckets.KeyValue)
        {
            await GetOrCreateKeyValueAsync(kv, bucket, ct).ConfigureAwait(false);
        }

        await GetOrCreateObjectStoreAsync(js.CreateObjectStoreContext(), MeshBuckets.Artifacts, ct).ConfigureAwait(false);
    }
}
