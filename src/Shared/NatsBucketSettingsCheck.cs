using NATS.Client.KeyValueStore;
using OamOrleans.Client;
using Orleans.Runtime;

namespace OamOrleans.Nats;

/// <summary>
/// The start-up checks every NATS provider makes of its connection and bucket settings (endpoint, bucket name, replicas,
/// storage), each failure an <see cref="OrleansConfigurationException"/> that names the provider and the setting.
/// </summary>
/// <remarks>One source file linked into each provider assembly, like <see cref="NatsKVBuckets"/>.</remarks>
internal static class NatsBucketSettingsCheck
{
    /// <param name="provider">How messages name the provider, e.g. <c>NATS clustering</c>.</param>
    /// <param name="endpoint">The provider's endpoint; null (resolved at start) is fine.</param>
    /// <param name="bucket">The KV bucket's name.</param>
    /// <param name="replicas">The bucket's replicas when created (1 to 5).</param>
    /// <param name="storage">The bucket's storage when created.</param>
    public static void Validate(string provider, MeshEndpoint? endpoint, string? bucket, int replicas, NatsKVStorageType storage)
    {
        var prefix = provider + ": ";
        if (endpoint?.Problems() is { Count: > 0 } problems)
        {
            throw new OrleansConfigurationException(prefix + "Endpoint: " + string.Join(" ", problems));
        }

        if (string.IsNullOrEmpty(bucket) || !bucket.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            throw new OrleansConfigurationException(prefix + $"BucketName '{bucket}' is invalid: use letters, digits, '-' and '_' only.");
        }

        if (replicas is < 1 or > 5)
        {
            throw new OrleansConfigurationException(prefix + $"Replicas must be between 1 and 5, not {replicas}.");
        }

        if (!Enum.IsDefined(storage))
        {
            throw new OrleansConfigurationException(prefix + $"StorageType {storage} is not File or Memory.");
        }
    }
}
