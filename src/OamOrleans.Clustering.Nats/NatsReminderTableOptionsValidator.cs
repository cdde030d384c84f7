using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Runtime;

namespace OamOrleans.Clustering.Nats;

/// <summary>Fails start-up with a readable message when <see cref="NatsReminderTableOptions"/> are unusable.</summary>
internal sealed class NatsReminderTableOptionsValidator(IOptions<NatsReminderTableOptions> options) : IConfigurationValidator
{
    public void ValidateConfiguration()
    {
        var o = options.Value;
        const string prefix = "NATS reminders: ";
        if (string.IsNullOrWhiteSpace(o.Url))
        {
            throw new OrleansConfigurationException(prefix + "Url is required (for example nats://localhost:4222).");
        }

        foreach (var url in o.Url.Split(','))
        {
            if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("nats" or "tls" or "ws" or "wss"))
            {
                throw new OrleansConfigurationException(prefix + $"Url '{OamOrleans.Nats.NatsUrlRedaction.Redact(url)}' is not a nats://, tls://, ws:// or wss:// URL.");
            }
        }

        if (string.IsNullOrEmpty(o.BucketName) || !o.BucketName.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            throw new OrleansConfigurationException(prefix + $"BucketName '{o.BucketName}' is invalid: use letters, digits, '-' and '_' only.");
        }

        if (o.Replicas is < 1 or > 5)
        {
            throw new OrleansConfigurationException(prefix + $"Replicas must be between 1 and 5, not {o.Replicas}.");
        }

        if (!Enum.IsDefined(o.StorageType))
        {
            throw new OrleansConfigurationException(prefix + $"StorageType {o.StorageType} is not File or Memory.");
        }
    }
}
