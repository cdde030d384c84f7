using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OamOrleans.Nats;
using OamOrleans.WebAuth;

namespace OamOrleans.Silo;

/// <summary>
/// The silo's options: section <c>Oam</c> of appsettings.json, overridden by the <c>OAM_*</c> environment variables that
/// <see cref="SiloSetting.All"/> maps onto it. Bound and validated by <see cref="Load"/> (<see cref="SiloOptionsValidator"/>).
/// </summary>
internal sealed record SiloOptions
{
    /// <summary>The configuration section the options bind from.</summary>
    public const string Section = "Oam";

    /// <summary>NATS URL of the mesh; empty starts an embedded nats-server (development).</summary>
    public string? Url { get; set; }

    public string? Creds { get; set; }

    /// <summary>System-account URL for the in-silo health monitor; the embedded server's when it runs one. Empty: no monitor.</summary>
    public string? MonitorSysUrl { get; set; }

    /// <summary>Creds file of the health monitor's system-account user (secured meshes).</summary>
    public string? MonitorSysCreds { get; set; }

    /// <summary>File holding a user NKey seed (<c>OAM_NKEY_SEED_FILE</c>).</summary>
    public string? NKeySeedFile { get; set; }

    /// <summary>NATS auth token (<c>OAM_TOKEN</c>). Never logged: <see cref="ToString"/> shows <c>***</c>.</summary>
    public string? Token { get; set; }

    public SiloClustering Clustering { get; set; } = SiloClustering.Localhost;

    public SiloStorage Storage { get; set; } = SiloStorage.Memory;

    public string ClusterId { get; set; } = "oam";

    public string ServiceId { get; set; } = "oam";

    /// <summary>Host name or IP other silos reach this one at (nats clustering); loopback when empty.</summary>
    public string? AdvertisedHost { get; set; }

    public int SiloPort { get; set; } = 11111;

    public int GatewayPort { get; set; } = 30000;

    /// <summary>
    /// Cluster failure detection (nats clustering): how long a silo waits for a probe answer from another silo. A silo
    /// that misses <see cref="MissedProbesLimit"/> probes in a row is declared dead, and its conversations move to the
    /// survivors. Default 2 s (Orleans: 5 s).
    /// </summary>
    [ConfigurationKeyName("ProbeTimeoutSeconds")]
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Missed probes that make a silo suspect another one dead. Default 2 (Orleans: 3).</summary>
    public int MissedProbesLimit { get; set; } = 2;

    /// <summary>Port of the embedded nats-server.</summary>
    public int NatsPort { get; set; } = 4222;

    /// <summary>Folder of the embedded nats-server (config, JetStream data, log).</summary>
    public string DataDir { get; set; } = ".oam-data";

    /// <summary>Requests handled at once across the silo's agents; null keeps the host default (1024).</summary>
    public int? MaxConcurrentRequests { get; set; }

    /// <summary>Requests that may wait per agent before more are answered <c>not_available</c>; null keeps the host default (1024).</summary>
    public int? MaxQueuedRequests { get; set; }

    /// <summary>How long the silo waits for NATS at <see cref="Url"/> to accept a connection (it may start after the silo). Default 60 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Longest a call's handler is given before its cancellation token fires (callers may ask for less with
    /// <c>X-Mesh-Timeout</c>); Orleans' response timeout is raised to match. Default 30 s.
    /// </summary>
    [ConfigurationKeyName("RequestTimeoutSeconds")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often each hosted agent's heartbeat goes out on <c>mesh.health.{name}</c>; zero turns beats off. Default 10 s.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Orleans' minimum reminder period, which is also how late a reminder due while no silo ran may fire and how soon a
    /// failed reminder turn runs again; null keeps Orleans' one minute (<see cref="SiloReminders"/>).
    /// </summary>
    [ConfigurationKeyName("ReminderPeriodSeconds")]
    public TimeSpan? ReminderPeriod { get; set; }

    /// <summary>
    /// How often the silo deletes the state of expired conversations (agents with <c>[Agent(StateTtl = …)]</c>); null keeps
    /// <see cref="OamOrleans.Hosting.ConversationExpiryOptions.SweepInterval"/>'s one minute (<see cref="SiloConversationExpiry"/>).
    /// </summary>
    [ConfigurationKeyName("StateSweepIntervalSeconds")]
    public TimeSpan? StateSweepInterval { get; set; }

    /// <summary>Port of the silo's web endpoint (health, metrics, dashboard: <see cref="SiloWeb"/>); null: no web endpoint.</summary>
    public int? HttpPort { get; set; }

    /// <summary>Mount the Orleans Dashboard at <c>/dashboard/</c> on the web port.</summary>
    public bool Dashboard { get; set; }

    /// <summary>Serve the mesh's agents as MCP tools (streamable HTTP) at <c>/mcp</c> on the web port.</summary>
    public bool Mcp { get; set; }

    /// <summary>Mount the admin web UI at <c>/</c> on the web port.</summary>
    public bool Ui { get; set; }

    /// <summary>
    /// How the web port authenticates the UI, MCP and the dashboard: <c>token</c> (from <see cref="HttpTokenFile"/>) or
    /// <c>none</c>; null means not chosen, which a port serving any of them refuses. Health probes are never protected.
    /// </summary>
    public SiloHttpAuth? HttpAuth { get; set; }

    /// <summary>With <see cref="SiloHttpAuth.Token"/>: the file holding the token.</summary>
    public string? HttpTokenFile { get; set; }

    /// <summary>Protect <c>/metrics</c> with the token too; open by default for scrapers.</summary>
    public bool HttpAuthMetrics { get; set; }

    /// <summary>
    /// Replicas of every bucket the silo creates: the mesh buckets, the object store, grain state and membership (1-5).
    /// 3 on a 3-node JetStream cluster survives the loss of any one node. Default 1.
    /// </summary>
    public int Replicas { get; set; } = 1;

    /// <summary>Raise the replicas of existing buckets that have fewer than <see cref="Replicas"/> at start (otherwise only a warning).</summary>
    public bool ReconcileBuckets { get; set; }

    /// <summary>Turns (request id and reply) each conversation keeps to answer a repeated request id from its record; null keeps the host default (16).</summary>
    public int? TurnLogSize { get; set; }

    /// <summary>The standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>: when set, traces and metrics are exported over OTLP (<see cref="SiloTelemetry"/>).</summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary>True when the web port mounts something that can call agents or administer the cluster.</summary>
    public bool ServesPrivilegedWeb => Ui || Mcp || Dashboard;

    /// <summary>The web port's authentication, its token read from <see cref="HttpTokenFile"/>.</summary>
    /// <exception cref="ArgumentException">The token file is missing, unreadable or holds no valid token.</exception>
    public HttpAuthSettings ReadHttpAuth() => HttpAuthSettings.Read(
        HttpAuth?.ToString(), HttpTokenFile, SiloSetting.Of(nameof(HttpAuth)).Name, SiloSetting.Of(nameof(HttpTokenFile)).Name);

    /// <summary>The options without secrets (a URL's password or token and <see cref="Token"/> redacted).</summary>
    public override string ToString() =>
        $"SiloOptions {{ Url = {(Url is null ? "null" : NatsUrlRedaction.Redact(Url))}, Creds = {Creds ?? "null"}, NKeySeedFile = {NKeySeedFile ?? "null"}, "
        + $"Token = {(Token is null ? "null" : "***")}, MonitorSysUrl = {(MonitorSysUrl is null ? "null" : NatsUrlRedaction.Redact(MonitorSysUrl))}, Clustering = {Clustering}, Storage = {Storage}, Replicas = {Replicas} }}";

    /// <summary>A blank value in appsettings.json (<c>"Url": ""</c>) means unset, as an unset variable does.</summary>
    private static void BlankIsUnset(SiloOptions o)
    {
        static string? Text(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;
        var defaults = new SiloOptions();
        o.Url = Text(o.Url);
        o.Creds = Text(o.Creds);
        o.MonitorSysUrl = Text(o.MonitorSysUrl);
        o.MonitorSysCreds = Text(o.MonitorSysCreds);
        o.NKeySeedFile = Text(o.NKeySeedFile);
        o.Token = Text(o.Token);
        o.AdvertisedHost = Text(o.AdvertisedHost);
        o.HttpTokenFile = Text(o.HttpTokenFile);
        o.OtlpEndpoint = Text(o.OtlpEndpoint);
        o.ClusterId = Text(o.ClusterId) ?? defaults.ClusterId;
        o.ServiceId = Text(o.ServiceId) ?? defaults.ServiceId;
        o.DataDir = Text(o.DataDir) ?? defaults.DataDir;
    }

    /// <summary>
    /// Binds and validates the options from <paramref name="configuration"/> (with <see cref="SiloSetting.AddVariables"/>
    /// applied), through the Options machinery: the silo needs them before its host exists (they decide its shape).
    /// </summary>
    /// <exception cref="ArgumentException">A setting is invalid; the message names it and its value.</exception>
    public static SiloOptions Load(IConfiguration configuration)
    {
        var services = new ServiceCollection();
        services.Configure<SiloOptions>(configuration.GetSection(Section));
        services.PostConfigure<SiloOptions>(BlankIsUnset);
        services.AddSingleton<IValidateOptions<SiloOptions>, SiloOptionsValidator>();
        using var provider = services.BuildServiceProvider();
        try
        {
            return provider.GetRequiredService<IOptions<SiloOptions>>().Value;
        }
        catch (OptionsValidationException e)
        {
            throw new ArgumentException(string.Join(" ", e.Failures), e);
        }
        catch (InvalidOperationException e) when (SiloSetting.FromBinderError(e.Message) is { } setting)
        {
            // The binder could not convert a value (e.g. a port that is not a number): name the setting and the value.
            throw new ArgumentException(setting.Invalid(configuration[$"{Section}:{setting.Key}"]), e);
        }
    }
}
