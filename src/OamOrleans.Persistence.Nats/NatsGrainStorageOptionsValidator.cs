using Orleans;
using Orleans.Runtime;

namespace OamOrleans.Persistence.Nats;

/// <summary>Fails silo start-up with a readable message when <see cref="NatsGrainStorageOptions"/> are unusable.</summary>
internal sealed class NatsGrainStorageOptionsValidator(NatsGrainStorageOptions options, string name) : IConfigurationValidator
{
    public void ValidateConfiguration()
    {
        var prefix = $"NATS grain storage '{name}': ";
        if (string.IsNullOrWhiteSpace(options.Url))
        {
            throw new OrleansConfigurationException(prefix + "Url is required (for example nats://localhost:4222).");
        }

        foreach (var url in options.Url.Split(','))
        {
            if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("nats" or "tls" or "ws" or "wss"))
            {
                throw new OrleansConfigurationException(prefix + $"Url '{OamOrleans.Nats.NatsUrlRedaction.Redact(url)}' is not a nats://, tls://, ws:// or wss:// URL.");
            }
        }

        if (!NatsBucketNames.IsValid(options.BucketName))
        {
            throw new OrleansConfigurationException(prefix + $"BucketName '{options.BucketName}' is invalid: use letters, digits, '-' and '_' only.");
        }

        if (options.Replicas is < 1 or > 5)
        {
            throw new OrleansConfigurationException(prefix + $"Replicas must be between 1 and 5, not {options.Replicas}.");
        }

        if (!Enum.IsDefined(options.StorageType))
        {
            throw new OrleansConfigurationException(prefix + $"StorageType {options.StorageType} is not File or Memory.");
        }
    }
}

internal static class NatsBucketNames
{
    public static bool IsValid(string? bucket) =>
        !string.IsNullOrEmpty(bucket) && bucket.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
