using NATS.Client.JetStream;
using NATS.Client.KeyValueStore;

namespace OamOrleans.Nats;

/// <summary>
/// Opens a provider's KV bucket, creating it when missing. Several silos start at once, so a create can lose the race to
/// another silo's: JetStream then answers "stream name already in use" (err_code 10058), and the bucket the other silo
/// made is opened instead.
/// </summary>
/// <remarks>One source file linked into each provider assembly, like <see cref="NatsKVReads"/>.</remarks>
internal static class NatsKVBuckets
{
    private const int StreamNameInUse = 10058;

    /// <summary>The bucket, or null when there is no bucket of that name (JetStream's 404).</summary>
    public static async ValueTask<INatsKVStore?> TryGetStoreAsync(this INatsKVContext kv, string bucket, CancellationToken cancellationToken)
    {
        try
        {
            return await kv.GetStoreAsync(bucket, cancellationToken);
        }
        catch (NatsJSApiException e) when (e.Error.Code == 404)
        {
            return null; // no bucket yet: the caller decides whether to create it
        }
    }

    /// <summary>Creates the bucket <paramref name="config"/> describes; one another process created meanwhile is opened.</summary>
    public static async ValueTask<INatsKVStore> CreateOrOpenStoreAsync(this INatsKVContext kv, NatsKVConfig config, CancellationToken cancellationToken)
    {
        try
        {
            return await kv.CreateStoreAsync(config, cancellationToken);
        }
        catch (NatsJSApiException e) when (e.Error.ErrCode == StreamNameInUse)
        {
            return await kv.GetStoreAsync(config.Bucket, cancellationToken);
        }
    }

    /// <summary>Opens the bucket <paramref name="config"/> names, or creates it with that configuration when missing.</summary>
    public static async ValueTask<INatsKVStore> GetOrCreateStoreAsync(this INatsKVContext kv, NatsKVConfig config, CancellationToken cancellationToken) =>
        await kv.TryGetStoreAsync(config.Bucket, cancellationToken) ?? await kv.CreateOrOpenStoreAsync(config, cancellationToken);
}
