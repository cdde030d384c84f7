using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Runtime;

namespace OamOrleans.Hosting;

/// <summary>Fails silo start-up with a message naming the bad option.</summary>
internal sealed class MeshHostOptionsValidator(IOptions<MeshHostOptions> options, IOptions<Orleans.Configuration.SiloMessagingOptions> messaging) : IConfigurationValidator
{
    public void ValidateConfiguration()
    {
        var o = options.Value;
        if (o.MaxConcurrentRequests < 1)
        {
            throw new OrleansConfigurationException($"{nameof(MeshHostOptions)}.{nameof(o.MaxConcurrentRequests)} must be at least 1 (was {o.MaxConcurrentRequests}).");
        }

        if (o.MaxQueuedRequests < 1)
        {
            throw new OrleansConfigurationException($"{nameof(MeshHostOptions)}.{nameof(o.MaxQueuedRequests)} must be at least 1 (was {o.MaxQueuedRequests}).");
        }

        if (o.ConnectTimeout < TimeSpan.Zero)
        {
            throw new OrleansConfigurationException($"{nameof(MeshHostOptions)}.{nameof(o.ConnectTimeout)} must not be negative.");
        }

        if (o.StartRetryMaxDelay <= TimeSpan.Zero)
        {
            throw new OrleansConfigurationException($"{nameof(MeshHostOptions)}.{nameof(o.StartRetryMaxDelay)} must be positive.");
        }

        if (o.RequestTimeout <= TimeSpan.Zero || o.StreamTimeout <= TimeSpan.Zero)
        {
            throw new OrleansConfigurationException($"{nameof(MeshHostOptions)}.{nameof(o.RequestTimeout)} and {nameof(o.StreamTimeout)} must be positive.");
        }

        if (o.RequestTimeout > messaging.Value.ResponseTimeout)
        {
            // Orleans would end the grain call before the handler's token fires: the caller would get Orleans' timeout.
            throw new OrleansConfigurationException(
                $"{nameof(MeshHostOptions)}.{nameof(o.RequestTimeout)} ({o.RequestTimeout}) is longer than Orleans' SiloMessagingOptions.ResponseTimeout ({messaging.Value.ResponseTimeout}): " +
                "raise the response timeout too (siloBuilder.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = ...)), or shorten the request timeout.");
        }

        if (o.DrainTimeout < TimeSpan.Zero)
        {
            throw new OrleansConfigurationException($"{nameof(MeshHostOptions)}.{nameof(o.DrainTimeout)} must not be negative.");
        }

        if (string.IsNullOrWhiteSpace(o.StateStorageName))
        {
            throw new OrleansConfigurationException($"{nameof(MeshHostOptions)}.{nameof(o.StateStorageName)} must name a grain storage provider.");
        }

        if (o.InstanceId is { } id && (id.Length != 32 || !id.All(char.IsAsciiHexDigitLower)))
        {
            throw new OrleansConfigurationException($"{nameof(MeshHostOptions)}.{nameof(o.InstanceId)} must be 32 lowercase hex characters (uuid hex), was '{id}'.");
        }

        if (o.FailoverRetryTimeout < TimeSpan.Zero || o.TurnLogSize < 0)
        {
            throw new OrleansConfigurationException($"{nameof(MeshHostOptions)}.{nameof(o.FailoverRetryTimeout)} and {nameof(o.TurnLogSize)} must not be negative.");
        }

        if (o.Replicas is < 1 or > 5)
        {
            throw new OrleansConfigurationException($"{nameof(MeshHostOptions)}.{nameof(o.Replicas)} must be between 1 and 5 (JetStream's limit), was {o.Replicas}.");
        }

        if (o.HeartbeatInterval > TimeSpan.Zero && o.HeartbeatInterval < TimeSpan.FromMilliseconds(100))
        {
            throw new OrleansConfigurationException($"{nameof(MeshHostOptions)}.{nameof(o.HeartbeatInterval)} must be at least 100 ms, or zero to turn heartbeats off (was {o.HeartbeatInterval}).");
        }

        if (o.MaxConversationIdLength < 1 || o.MaxRequestBytes is < 1)
        {
            throw new OrleansConfigurationException($"{nameof(MeshHostOptions)} limits must be positive.");
        }
    }
}
