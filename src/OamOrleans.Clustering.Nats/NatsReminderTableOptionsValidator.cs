using Microsoft.Extensions.Options;
using Orleans;

namespace OamOrleans.Clustering.Nats;

/// <summary>Fails start-up with a readable message when <see cref="NatsReminderTableOptions"/> are unusable.</summary>
internal sealed class NatsReminderTableOptionsValidator(IOptions<NatsReminderTableOptions> options) : IConfigurationValidator
{
    public void ValidateConfiguration() =>
        OamOrleans.Nats.NatsBucketSettingsCheck.Validate("NATS reminders", options.Value.Endpoint, options.Value.BucketName, options.Value.Replicas, options.Value.StorageType);
}
