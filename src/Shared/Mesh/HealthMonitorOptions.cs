using NATS.Client.Core;

namespace OamOrleans.Client;

/// <summary>
/// Settings of a <see cref="HealthMonitor"/> (§4.6): a normal (APP account) connection for cleanup and a
/// system-account connection for <c>$SYS.ACCOUNT.*.DISCONNECT</c> advisories, like <c>oam mesh monitor</c>.
/// Each side is either an existing connection (not disposed by the monitor) or a URL the monitor connects to.
/// </summary>
/// <remarks>
/// The system-account user must exist on the server: <c>system_account: SYS</c> with a user in account <c>SYS</c>, as the
/// reference's <c>oam mesh up</c> config writes it. Connection names never start with <c>oam-host-</c>, so monitors do
/// not react to each other.
/// </remarks>
internal sealed record HealthMonitorOptions
{
    /// <summary>Default name of the monitor's APP-account connection.</summary>
    public const string DefaultConnectionName = "oam-health-monitor";

    /// <summary>
    /// URL of the mesh (APP account); <c>nats://user:password@host:port</c> is accepted. When null it is resolved like the
    /// reference CLI: <c>OAM_URL</c>, a <c>.oam-url</c> file, else <c>nats://localhost:4222</c>. Ignored when
    /// <see cref="Connection"/> is set.
    /// </summary>
    public string? Url { get; init; }

    /// <summary>Credentials file for <see cref="Url"/>; when null, <c>OAM_CREDS</c> or the <c>.oam-url</c> file's <c>creds</c>.</summary>
    public string? CredsFile { get; init; }

    /// <summary>URL of a system-account user, e.g. <c>nats://oam-sys:password@127.0.0.1:4222</c>. Required unless <see cref="SysConnection"/> is set.</summary>
    public string? SysUrl { get; init; }

    /// <summary>Credentials file of the system-account user (secured meshes, <c>--sys-creds</c>).</summary>
    public string? SysCredsFile { get; init; }

    /// <summary>An open APP-account connection to use instead of <see cref="Url"/> (e.g. a silo's); not disposed by the monitor.</summary>
    public INatsConnection? Connection { get; init; }

    /// <summary>An open system-account connection to use instead of <see cref="SysUrl"/>; not disposed by the monitor.</summary>
    public INatsConnection? SysConnection { get; init; }

    /// <summary>
    /// TLS / mutual TLS files of the connections the monitor opens itself (both); when null, <c>OAM_TLS_CERT</c>,
    /// <c>OAM_TLS_KEY</c> and <c>OAM_TLS_CA</c> are read, as for <see cref="MeshClient"/>.
    /// </summary>
    public MeshTls? Tls { get; init; }

    /// <summary>Name of the connections the monitor opens itself (the SYS one gets a <c>-sys</c> suffix). Default <c>oam-health-monitor</c>.</summary>
    public string ConnectionName { get; init; } = DefaultConnectionName;

    /// <summary>How long to wait for the monitor's own connections to open. Default 10 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Extra rounds of catalog compare-and-swap (each round is 10 compare-and-swap attempts) before a dead
    /// agent's deregistration is given up and logged as an error. Default 3.
    /// </summary>
    public int DeregisterRounds { get; init; } = 3;

    internal void Validate()
    {
        if (SysConnection is null && string.IsNullOrWhiteSpace(SysUrl))
        {
            throw new ArgumentException(
                "HealthMonitorOptions needs a system-account connection: set SysUrl (e.g. nats://oam-sys:<password>@127.0.0.1:4222) or SysConnection.",
                nameof(SysUrl));
        }

        if (string.IsNullOrWhiteSpace(ConnectionName) || ConnectionName.StartsWith(MeshConnectionNamePrefix, StringComparison.Ordinal))
        {
            throw new ArgumentException(
                $"HealthMonitorOptions.ConnectionName must be non-empty and must not start with '{MeshConnectionNamePrefix}' (that marks agent hosts).",
                nameof(ConnectionName));
        }

        if (DeregisterRounds < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(DeregisterRounds), DeregisterRounds, "DeregisterRounds must be at least 1.");
        }

        if (ConnectTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(ConnectTimeout), ConnectTimeout, "ConnectTimeout must be positive.");
        }
    }

    internal static readonly string MeshConnectionNamePrefix = Protocol.MeshSubjects.ConnectionName("");
}
