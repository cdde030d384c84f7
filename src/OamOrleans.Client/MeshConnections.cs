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
        TlsOpts = TlsOptions(endpoint.Tls),
    };

    /// <summary>NATS.Net TLS options for <paramref name="tls"/>: TLS required when any file is given, else as the URL says.</summary>
    public static NatsTlsOpts TlsOptions(MeshTls? tls) => tls is null
        ? NatsTlsOpts.Default
        : NatsTlsOpts.Default with { CertFile = tls.CertFile, KeyFile = tls.KeyFile, CaFile = tls.CaFile, Mode = TlsMode.Require };

    public static NatsConnection Create(MeshEndpoint endpoint, string instanceId) => new(Options(endpoint, instanceId));
}
