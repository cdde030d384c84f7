using Microsoft.Extensions.Options;
using Orleans;

namespace OamOrleans.Clustering.Nats;

/// <summary>Fails start-up with a readable message when <see cref="NatsClusteringOptions"/> are unusable.</summary>
internal sealed class NatsClusteringOptionsValidator(IOptions<NatsClusteringOptions> options) : IConfigurationValidator
{
    public void ValidateConfiguration() =>
        OamOrleans.Nats.NatsBucketSettingsCheck.Validate("NATS clustering", options.Value.Endpoint, options.Value.BucketName, options.Value.Replicas, options.Value.StorageType);
}
