using NATS.Client.KeyValueStore;
using Orleans.Runtime;

namespace OamOrleans.Nats;

/// <summary>
/// The start-up checks every NATS provider makes of its connection and bucket settings (URL list, bucket name, replicas,
/// storage), each failure an <see cref="OrleansConfigurationException"/> that names the provider and the setting.
/// </summary>
/// <remarks>One source file linked into each provider assembly, like <see cref="NatsKVBuckets"/>.</remarks>
internal static class NatsBucketSettingsCheck
{
    /// <param name="provider">How messages name the provider, e.g. <c>NATS clustering</c>.</param>
    /// <param name="url">The NATS URL, or several of one cluster separated by commas.</param>
    /// <param name="bucket">The KV bucket's name.</param>
    /// <param name="replicas">The bucket's replicas when created (1 to 5).</param>
    /// <param name="storage">The bucket's storage when created.</param>
    public static void Validate(string provider, string? url, string? bucket, int replicas, NatsKVStorageType storage)
    {
        var prefix = provider + ": ";
        if (string.IsNullOrWhiteSpace(url))
        {
            throw new OrleansConfigurationException(prefix + "Url is required (for example nats://localhost:4222).");
        }

        foreach (var one in url.Split(','))
        {
            if (!Uri.TryCreate(one.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("nats" or "tls" or "ws" or "wss"))
            {
                throw new OrleansConfigurationException(prefix + $"Url '{NatsUrlRedaction.Redact(one)}' is not a nats://, tls://, ws:// or wss:// URL.");
            }
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
