using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OamOrleans.Client;
using OamOrleans.Hosting;

namespace OamOrleans.Silo;

/// <summary>Turns <see cref="SiloOptions"/> into Orleans clustering and storage, and prints the start-up summary.</summary>
internal static partial class SiloComposition
{
    public static void ConfigureClustering(ISiloBuilder silo, SiloOptions settings)
    {
        if (settings.Clustering == SiloClustering.Localhost)
        {
            silo.UseLocalhostClustering(settings.SiloPort, settings.GatewayPort, serviceId: settings.ServiceId, clusterId: settings.ClusterId);
            return;
        }

        silo.UseNatsClustering(o =>
        {
            o.Replicas = settings.Replicas;
            o.ReconcileReplicas = settings.ReconcileBuckets;
        });
        // The bridge retries calls until a killed silo is declared dead, so the time to detect it is the outage of its
        // conversations: probes are shorter and fewer than Orleans' defaults (see SiloOptions).
        silo.Configure<Orleans.Configuration.ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = settings.ProbeTimeout;
            o.NumMissedProbesLimit = settings.MissedProbesLimit;
        });
        if (settings.AdvertisedHost is { } host)
        {
            silo.ConfigureEndpoints(host, settings.SiloPort, settings.GatewayPort, listenOnAnyHostAddress: true);
        }
        else
        {
            silo.ConfigureEndpoints(IPAddress.Loopback, settings.SiloPort, settings.GatewayPort);
        }
    }

    public static void ConfigureStorage(ISiloBuilder silo, SiloOptions settings)
    {
        var name = new MeshHostOptions().StateStorageName;
        if (settings.Storage == SiloStorage.Nats)
        {
            silo.AddNatsGrainStorage(name, o =>
            {
                o.Replicas = settings.Replicas;
                o.ReconcileReplicas = settings.ReconcileBuckets;
            });
        }
        else if (settings.Clustering == SiloClustering.Localhost)
        {
            // Localhost clustering is one silo by construction: keep state in its memory, no storage-grain call per turn.
            silo.AddSiloMemoryGrainStorage(name);
        }
        else
        {
            // Several silos: Orleans' storage grains share the state, so a conversation moved to another silo keeps it.
            silo.AddMemoryGrainStorage(name);
        }
    }

    /// <summary>The state line of the start-up summary.</summary>
    private static string DescribeStorage(SiloOptions settings) => settings switch
    {
        { Storage: SiloStorage.Nats } => "nats (JetStream KV)",
        { Clustering: SiloClustering.Localhost } => "memory (silo-local)",
        _ => "memory (storage grains)",
    };

    /// <summary>The mesh URL and every credential of the silo: creds, NKey seed, token, TLS (user/password ride in the URL).</summary>
    public static MeshEndpoint Endpoint(SiloOptions settings)
    {
        var resolved = MeshEndpoint.Resolve(settings.Url, settings.Creds);
        return resolved with
        {
            NKeySeedFile = settings.NKeySeedFile ?? resolved.NKeySeedFile,
            Token = settings.Token ?? resolved.Token,
        };
    }

    public static void LogSummary(ILogger logger, IServiceProvider services, SiloOptions settings, bool embedded, string? web, string assistant)
    {
        if (!logger.IsEnabled(LogLevel.Information))
        {
            return;
        }

        var host = services.GetRequiredService<IMeshHost>();
        var agents = string.Join(", ", host.Agents);
        var url = MeshEndpoint.Redact(host.Url);
        var natsMode = embedded ? "embedded nats-server, data in " + Path.GetFullPath(settings.DataDir) : "external";
        var storage = DescribeStorage(settings);
        var webLine = web ?? "off (set OAM_HTTP_PORT for health probes and /metrics)";
        var telemetry = SiloTelemetry.Describe(settings);
        var tryLine = TryCommand(embedded, url);
        var clustering = settings.Clustering.ToString().ToLowerInvariant();
        LogStarted(
            logger,
            host.Agents.Count,
            agents,
            url,
            natsMode,
            host.InstanceId,
            clustering,
            settings.SiloPort,
            settings.GatewayPort,
            storage,
            settings.Replicas,
            settings.MonitorSysUrl is null ? "off (set OAM_MONITOR_SYS_URL to a system-account URL)" : "in this silo",
            webLine,
            assistant,
            telemetry,
            tryLine);
        if (settings.ServesPrivilegedWeb && settings.HttpAuth != SiloHttpAuth.Token)
        {
            LogWebExposed(logger, settings.HttpPort ?? 0);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "EXPOSED: web port {Port} serves the admin UI / MCP / dashboard on every interface without authentication (OAM_HTTP_AUTH=none): anyone who can reach this port can call every agent with this silo's mesh credentials. Keep the port private (firewall, Kubernetes NetworkPolicy, an authenticating proxy) or set OAM_HTTP_AUTH=token.")]
    private static partial void LogWebExposed(ILogger logger, int port);

    /// <summary>A first call with the repository's CLI (the embedded mesh's .oam-url in the working folder tells it where).</summary>
    private static string TryCommand(bool embedded, string url) =>
        (embedded ? "" : $"OAM_URL={url} ") + """dotnet run --project src/OamOrleans.Cli -- agent call demo.echo '{"message":"hi"}'""";

    [LoggerMessage(Level = LogLevel.Information, Message = """
        OamOrleans silo is serving the mesh
          agents:     {Count}: {Agents}
          nats:       {Url} ({NatsMode})
          instance:   {InstanceId} (connection oam-host-{InstanceId})
          clustering: {Clustering} (silo port {SiloPort}, gateway port {GatewayPort})
          state:      {Storage}
          replicas:   {Replicas} per bucket
          monitor:    {Monitor}
          web:        {Web}
          assistant:  {Assistant}
          telemetry:  {Telemetry}
          try:        {Try}   (Ctrl+C stops the silo)
        """)]
    private static partial void LogStarted(ILogger logger, int count, string agents, string url, string natsMode, string instanceId, string clustering, int siloPort, int gatewayPort, string storage, int replicas, string monitor, string web, string assistant, string telemetry, string @try);
}
