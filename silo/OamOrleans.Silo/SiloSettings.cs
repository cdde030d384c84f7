using Microsoft.Extensions.Configuration;

namespace OamOrleans.Silo;

/// <summary>The silo's settings: section <c>Oam</c> of appsettings.json, overridden by <c>OAM_*</c> environment variables.</summary>
internal sealed record SiloSettings
{
    /// <summary>NATS URL of the mesh; empty starts an embedded nats-server (development).</summary>
    public string? Url { get; init; }

    public string? Creds { get; init; }

    /// <summary>System-account URL for the in-silo health monitor; the embedded server's when it runs one. Empty: no monitor.</summary>
    public string? MonitorSysUrl { get; init; }

    /// <summary>Creds file of the health monitor's system-account user (secured meshes).</summary>
    public string? MonitorSysCreds { get; init; }

    /// <summary>File holding a user NKey seed (<c>OAM_NKEY_SEED_FILE</c>).</summary>
    public string? NKeySeedFile { get; init; }

    /// <summary>NATS auth token (<c>OAM_TOKEN</c>). Never logged: <see cref="ToString"/> shows <c>***</c>.</summary>
    public string? Token { get; init; }

    /// <summary>The settings without secrets (a URL's password or token and <see cref="Token"/> redacted).</summary>
    public override string ToString() =>
        $"SiloSettings {{ Url = {(Url is null ? "null" : Client.MeshConnectWait.Redact(Url))}, Creds = {Creds ?? "null"}, NKeySeedFile = {NKeySeedFile ?? "null"}, "
        + $"Token = {(Token is null ? "null" : "***")}, MonitorSysUrl = {(MonitorSysUrl is null ? "null" : Client.MeshConnectWait.Redact(MonitorSysUrl))}, Clustering = {Clustering}, Storage = {Storage}, Replicas = {Replicas} }}";

    /// <summary><c>localhost</c> (single machine, development) or <c>nats</c> (membership in JetStream KV).</summary>
    public string Clustering { get; init; } = "localhost";

    /// <summary><c>memory</c> or <c>nats</c> (conversation state in JetStream KV).</summary>
    public string Storage { get; init; } = "memory";

    public string ClusterId { get; init; } = "oam";

    public string ServiceId { get; init; } = "oam";

    /// <summary>Host name or IP other silos reach this one at (nats clustering); loopback when empty.</summary>
    public string? AdvertisedHost { get; init; }

    public int SiloPort { get; init; } = 11111;

    public int GatewayPort { get; init; } = 30000;

    /// <summary>
    /// Cluster failure detection (nats clustering): how long a silo waits for a probe answer from another silo. A silo
    /// that misses <see cref="MissedProbesLimit"/> probes in a row is declared dead, and its conversations move to the
    /// survivors. Default 2 s (Orleans: 5 s).
    /// </summary>
    public TimeSpan ProbeTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Missed probes that make a silo suspect another one dead. Default 2 (Orleans: 3).</summary>
    public int MissedProbesLimit { get; init; } = 2;

    /// <summary>Port of the embedded nats-server.</summary>
    public int NatsPort { get; init; } = 4222;

    /// <summary>Folder of the embedded nats-server (config, JetStream data, log).</summary>
    public string DataDir { get; init; } = ".oam-data";

    /// <summary>Requests handled at once across the silo's agents; null keeps the host default (1024).</summary>
    public int? MaxConcurrentRequests { get; init; }

    /// <summary>Requests that may wait per agent before more are answered <c>not_available</c>; null keeps the host default (1024).</summary>
    public int? MaxQueuedRequests { get; init; }

    /// <summary>How long the silo waits for NATS at <see cref="Url"/> to accept a connection (it may start after the silo). Default 60 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Longest a call's handler is given before its cancellation token fires (callers may ask for less with
    /// <c>X-Mesh-Timeout</c>); Orleans' response timeout is raised to match. Default 30 s.
    /// </summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often each hosted agent's heartbeat goes out on <c>mesh.health.{name}</c>; zero turns beats off. Default 10 s.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Port of the silo's web endpoint (health, metrics, dashboard: <see cref="SiloWeb"/>); null: no web endpoint.</summary>
    public int? HttpPort { get; init; }

    /// <summary>Mount the Orleans Dashboard at <c>/dashboard/</c> on the web port.</summary>
    public bool Dashboard { get; init; }

    /// <summary>Serve the mesh's agents as MCP tools (streamable HTTP) at <c>/mcp</c> on the web port.</summary>
    public bool Mcp { get; init; }

    /// <summary>Mount the admin web UI at <c>/</c> on the web port.</summary>
    public bool Ui { get; init; }

    /// <summary>
    /// How the web port authenticates the UI, MCP and the dashboard (<c>Oam:HttpAuth</c> / <c>OAM_HTTP_AUTH</c>: <c>token</c>
    /// or <c>none</c>; the token from <c>Oam:HttpTokenFile</c> / <c>OAM_HTTP_TOKEN_FILE</c>). Health probes are never protected.
    /// </summary>
    public WebAuth.HttpAuthSettings HttpAuth { get; init; } = WebAuth.HttpAuthSettings.Unset;

    /// <summary>Protect <c>/metrics</c> with the token too (<c>Oam:HttpAuthMetrics</c> / <c>OAM_HTTP_AUTH_METRICS</c>); open by default for scrapers.</summary>
    public bool HttpAuthMetrics { get; init; }

    /// <summary>True when the web port mounts something that can call agents or administer the cluster.</summary>
    public bool ServesPrivilegedWeb => Ui || Mcp || Dashboard;

    /// <summary>
    /// Replicas of every bucket the silo creates: the mesh buckets, the object store, grain state and membership (1-5).
    /// 3 on a 3-node JetStream cluster survives the loss of any one node. Default 1.
    /// </summary>
    public int Replicas { get; init; } = 1;

    /// <summary>Raise the replicas of existing buckets that have fewer than <see cref="Replicas"/> at start (otherwise only a warning).</summary>
    public bool ReconcileBuckets { get; init; }

    /// <summary>Turns (request id and reply) each conversation keeps to answer a repeated request id from its record; null keeps the host default (16).</summary>
    public int? TurnLogSize { get; init; }

    /// <summary>The standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>: when set, traces and metrics are exported over OTLP (<see cref="SiloTelemetry"/>).</summary>
    public string? OtlpEndpoint { get; init; }

    public static SiloSettings Read(IConfiguration configuration)
    {
        var section = configuration.GetSection("Oam");
        string? Get(string key, string env) => NonEmpty(configuration[env]) ?? NonEmpty(section[key]);
        int Int(string key, string env, int fallback)
        {
            var raw = Get(key, env);
            if (raw is null)
            {
                return fallback;
            }

            return int.TryParse(raw, out var value) && value is > 0 and < 65536
                ? value
                : throw new ArgumentException($"Setting Oam:{key} / {env} must be a port number (1-65535), was '{raw}'.");
        }

        double Positive(string key, string env, double fallback, string unit)
        {
            var raw = Get(key, env);
            if (raw is null)
            {
                return fallback;
            }

            return double.TryParse(raw, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value) && value > 0 && value <= 3600
                ? value
                : throw new ArgumentException($"Setting Oam:{key} / {env} must be a positive number of {unit} (at most 3600), was '{raw}'.");
        }

        int? Count(string key, string env) => Get(key, env) is not { } raw ? null
            : int.TryParse(raw, out var value) && value > 0 ? value
            : throw new ArgumentException($"Setting Oam:{key} / {env} must be a positive whole number, was '{raw}'.");

        TimeSpan Seconds(string key, string env, double fallback)
        {
            var raw = Get(key, env);
            if (raw is null)
            {
                return TimeSpan.FromSeconds(fallback);
            }

            var text = raw.EndsWith('s') ? raw[..^1] : raw;
            return double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value) && value is >= 0 and <= 86400
                ? TimeSpan.FromSeconds(value)
                : throw new ArgumentException($"Setting Oam:{key} / {env} must be a number of seconds (0-86400, e.g. 60 or 2.5s), was '{raw}'.");
        }

        bool Flag(string key, string env) => Get(key, env) switch
        {
            null => false,
            var raw when raw.Equals("true", StringComparison.OrdinalIgnoreCase) || raw == "1" => true,
            var raw when raw.Equals("false", StringComparison.OrdinalIgnoreCase) || raw == "0" => false,
            var raw => throw new ArgumentException($"Setting Oam:{key} / {env} must be true or false, was '{raw}'."),
        };

        var settings = new SiloSettings
        {
            ProbeTimeout = TimeSpan.FromSeconds(Positive("ProbeTimeoutSeconds", "OAM_PROBE_TIMEOUT", 2, "seconds")),
            MissedProbesLimit = (int)Positive("MissedProbesLimit", "OAM_MISSED_PROBES", 2, "probes"),
            Url = Get("Url", "OAM_URL"),
            Creds = Get("Creds", "OAM_CREDS"),
            NKeySeedFile = Get("NKeySeedFile", "OAM_NKEY_SEED_FILE"),
            Token = Get("Token", "OAM_TOKEN"),
            MonitorSysUrl = Get("MonitorSysUrl", "OAM_MONITOR_SYS_URL"),
            MonitorSysCreds = Get("MonitorSysCreds", "OAM_MONITOR_SYS_CREDS"),
            Clustering = (Get("Clustering", "OAM_CLUSTERING") ?? "localhost").ToLowerInvariant(),
            Storage = (Get("Storage", "OAM_STORAGE") ?? "memory").ToLowerInvariant(),
            ClusterId = Get("ClusterId", "OAM_CLUSTER_ID") ?? "oam",
            ServiceId = Get("ServiceId", "OAM_SERVICE_ID") ?? "oam",
            AdvertisedHost = Get("AdvertisedHost", "OAM_ADVERTISED_HOST"),
            SiloPort = Int("SiloPort", "OAM_SILO_PORT", 11111),
            GatewayPort = Int("GatewayPort", "OAM_GATEWAY_PORT", 30000),
            NatsPort = Int("NatsPort", "OAM_NATS_PORT", 4222),
            DataDir = Get("DataDir", "OAM_DATA_DIR") ?? ".oam-data",
            MaxConcurrentRequests = Count("MaxConcurrentRequests", "OAM_MAX_CONCURRENT_REQUESTS"),
            MaxQueuedRequests = Count("MaxQueuedRequests", "OAM_MAX_QUEUED_REQUESTS"),
            ConnectTimeout = Seconds("ConnectTimeout", "OAM_CONNECT_TIMEOUT", 60),
            RequestTimeout = TimeSpan.FromSeconds(Positive("RequestTimeoutSeconds", "OAM_REQUEST_TIMEOUT", 30, "seconds")),
            HeartbeatInterval = Seconds("HeartbeatInterval", "OAM_HEARTBEAT_INTERVAL", 10),
            HttpPort = Get("HttpPort", "OAM_HTTP_PORT") is null ? null : Int("HttpPort", "OAM_HTTP_PORT", 0),
            Dashboard = Flag("Dashboard", "OAM_DASHBOARD"),
            Mcp = Flag("Mcp", "OAM_MCP"),
            Ui = Flag("Ui", "OAM_UI"),
            HttpAuth = WebAuth.HttpAuthSettings.Read(
                Get("HttpAuth", WebAuth.HttpAuthSettings.ModeVariable), Get("HttpTokenFile", WebAuth.HttpAuthSettings.TokenFileVariable),
                "Oam:HttpAuth / OAM_HTTP_AUTH", "Oam:HttpTokenFile / OAM_HTTP_TOKEN_FILE"),
            HttpAuthMetrics = Flag("HttpAuthMetrics", "OAM_HTTP_AUTH_METRICS"),
            Replicas = Get("Replicas", "OAM_REPLICAS") is { } replicas
                ? int.TryParse(replicas, out var r) && r is >= 1 and <= 5 ? r : throw new ArgumentException($"Setting Oam:Replicas / OAM_REPLICAS must be a whole number from 1 to 5 (JetStream's limit), was '{replicas}'.")
                : 1,
            ReconcileBuckets = Flag("ReconcileBuckets", "OAM_RECONCILE_BUCKETS"),
            TurnLogSize = Get("TurnLogSize", "OAM_TURN_LOG_SIZE") is { } turns
                ? int.TryParse(turns, out var t) && t is >= 0 and <= 10_000 ? t : throw new ArgumentException($"Setting Oam:TurnLogSize / OAM_TURN_LOG_SIZE must be a whole number from 0 to 10000, was '{turns}'.")
                : null,
            OtlpEndpoint = NonEmpty(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]),
        };
        foreach (var (on, name) in new[] { (settings.Dashboard, "Oam:Dashboard / OAM_DASHBOARD"), (settings.Mcp, "Oam:Mcp / OAM_MCP"), (settings.Ui, "Oam:Ui / OAM_UI") })
        {
            if (on && settings.HttpPort is null)
            {
                throw new ArgumentException($"Setting {name}=true needs the web port: set Oam:HttpPort / OAM_HTTP_PORT too (e.g. 8080).");
            }
        }

        if (settings.ServesPrivilegedWeb && !settings.HttpAuth.IsChosen)
        {
            throw new ArgumentException(
                "The web port would serve the admin UI, MCP or the dashboard (OAM_UI / OAM_MCP / OAM_DASHBOARD), which can call every agent, "
                + "and no authentication is set. Either set OAM_HTTP_AUTH=token and OAM_HTTP_TOKEN_FILE=<file holding a token> "
                + "(MCP clients send Authorization: Bearer <token>; the UI and dashboard show a login page), "
                + "or set OAM_HTTP_AUTH=none to serve them open on purpose (a private network or an authenticating proxy in front).");
        }

        if (settings.HttpAuthMetrics && !settings.HttpAuth.IsToken)
        {
            throw new ArgumentException("Setting Oam:HttpAuthMetrics / OAM_HTTP_AUTH_METRICS=true protects /metrics with the token: set OAM_HTTP_AUTH=token too.");
        }

        if (settings.Clustering is not ("localhost" or "nats"))
        {
            throw new ArgumentException($"Setting Oam:Clustering / OAM_CLUSTERING must be 'localhost' or 'nats', was '{settings.Clustering}'.");
        }

        if (settings.Storage is not ("memory" or "nats"))
        {
            throw new ArgumentException($"Setting Oam:Storage / OAM_STORAGE must be 'memory' or 'nats', was '{settings.Storage}'.");
        }

        return settings;
    }

    private static string? NonEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;
}
