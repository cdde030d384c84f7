using Orleans;

namespace OamOrleans.Persistence.Nats;

/// <summary>Fails silo start-up with a readable message when <see cref="NatsGrainStorageOptions"/> are unusable.</summary>
internal sealed class NatsGrainStorageOptionsValidator(NatsGrainStorageOptions options, string name) : IConfigurationValidator
{
    public void ValidateConfiguration() =>
        OamOrleans.Nats.NatsBucketSettingsCheck.Validate($"NATS grain storage '{name}'", options.Endpoint, options.BucketName, options.Replicas, options.StorageType);
}
