using NATS.Client.Core;
using OamOrleans.Protocol;

namespace OamOrleans.Client;

/// <summary>Opens NATS connections the way every OAM process does: named <c>oam-host-{instance_id}</c>.</summary>
public static class MeshConnections
{
    public static NatsOpts Options(MeshEndpoint endpoint, string instanceId) => NatsOpts.Default with
    {
        Url = endpoint.Url,
        Name = MeshSubjects.ConnectionName(instanceId),
        AuthOpts = endpoint.CredsFile is null ? NatsAuthOpts.Default : NatsAuthOpts.Default with { CredsFile = endpoint.CredsFile },
        // A mesh request with headers and a JSON body should not queue behind a slow consumer forever.
        SubPendingChannelFullMode = System.Threading.Channels.BoundedChannelFullMode.Wait,
    };

    public static NatsConnection Create(MeshEndpoint endpoint, string instanceId) => new(Options(endpoint, instanceId));
}
