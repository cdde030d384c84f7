using NATS.Client.Core;
using OamOrleans.Protocol;

namespace OamOrleans.Client;

/// <summary>Options of NATS connections to the mesh: credentials and TLS for all, <c>oam-host-{instance_id}</c> names for hosts.</summary>
internal static class MeshConnections
{
    /// <summary>A host's connection: <see cref="Base"/> named <c>oam-host-{instance_id}</c>.</summary>
    public static NatsOpts Options(MeshEndpoint endpoint, string instanceId) => Base(endpoint.Url, endpoint.CredsFile, endpoint.Tls) with
    {
        Name = MeshSubjects.ConnectionName(instanceId),
        // A mesh request with headers and a JSON body should not queue behind a slow consumer forever.
        SubPendingChannelFullMode = System.Threading.Channels.BoundedChannelFullMode.Wait,
    };

    /// <summary>What every connection to the mesh needs, whoever opens it: URL, credentials file and TLS files.</summary>
    public static NatsOpts Base(string url, string? credsFile, MeshTls? tls) => NatsOpts.Default with
    {
        Url = url,
        AuthOpts = credsFile is null ? NatsAuthOpts.Default : NatsAuthOpts.Default with { CredsFile = credsFile },
        TlsOpts = TlsOptions(tls),
    };

    /// <summary>NATS.Net TLS options for <paramref name="tls"/>: TLS required when any file is given, else as the URL says.</summary>
    public static NatsTlsOpts TlsOptions(MeshTls? tls) => tls is null
        ? NatsTlsOpts.Default
        : NatsTlsOpts.Default with { CertFile = tls.CertFile, KeyFile = tls.KeyFile, CaFile = tls.CaFile, Mode = TlsMode.Require };

    public static NatsConnection Create(MeshEndpoint endpoint, string instanceId) => new(Options(endpoint, instanceId));
}
