namespace OamOrleans.Hosting;

/// <summary>Options of the OpenAgentMesh host inside a silo.</summary>
public sealed class MeshHostOptions
{
    /// <summary>The default <see cref="StateStorageName"/>: <c>oam-state</c>.</summary>
    public const string DefaultStateStorageName = "oam-state";

    /// <summary>
    /// Where the mesh is and what the silo presents to it: URL, creds file, NKey seed file, token, TLS files, inbox prefix.
    /// Default null: <see cref="OamOrleans.Client.MeshEndpoint.Resolve"/> (<c>OAM_URL</c>, <c>OAM_CREDS</c>,
    /// <c>OAM_NKEY_SEED_FILE</c>, <c>OAM_TOKEN</c>, <c>OAM_TLS_*</c>, <c>OAM_INBOX_PREFIX</c>, a <c>.oam-url</c> file, else
    /// <c>nats://localhost:4222</c>). The NATS grain storage, clustering and reminder providers of the silo use this
    /// endpoint too unless given their own.
    /// </summary>
    public OamOrleans.Client.MeshEndpoint? Endpoint { get; set; }

    /// <summary>This silo's mesh instance id (uuid hex). Default null: a fresh one per start.</summary>
    public string? InstanceId { get; set; }

    /// <summary>Requests a silo handles at once across all its agents; more wait in each agent's queue. Default 1024.</summary>
    public int MaxConcurrentRequests { get; set; } = 1024;

    /// <summary>
    /// Requests that may wait for a slot, per agent, in this silo. One more is answered at once with <c>not_available</c>
    /// ("overloaded"), never queued without bound, and never by making the NATS socket reader wait (which would stall
    /// the silo's other agents behind one agent's backlog). Default 1024.
    /// </summary>
    public int MaxQueuedRequests { get; set; } = 1024;

    /// <summary>How long a stopping silo waits for in-flight requests before it deregisters. Default 30 s.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a stopping silo tries to deregister (instance record, catalog, death notices) before giving up. Default 10 s.</summary>
    public TimeSpan DeregisterTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Longest a call's handler is given: its <see cref="AgentContext.CancellationToken"/> fires then, or earlier at the
    /// caller's own deadline (a NATS caller's <c>X-Mesh-Timeout</c> header, an in-cluster call's timeout). Default 30 s,
    /// Orleans' response timeout: a longer limit needs <c>SiloMessagingOptions.ResponseTimeout</c> raised as well, or
    /// Orleans ends the grain call first (the silo refuses to start with the two out of order).
    /// </summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest a stream may run; past it the agent's enumeration is cancelled and a <c>timeout</c> error frame ends the stream. Default 60 s (the reference caller's total deadline).</summary>
    public TimeSpan StreamTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Grain storage provider that keeps conversation state. Default <c>oam-state</c>.</summary>
    public string StateStorageName { get; set; } = DefaultStateStorageName;

    /// <summary>Longest accepted conversation id (header or input key). Default 256.</summary>
    public int MaxConversationIdLength { get; set; } = 256;

    /// <summary>
    /// System-account URL (e.g. <c>nats://oam-sys:password@host:4222</c>). When set, the silo also runs a health monitor
    /// (§4.6) that deregisters the agents of crashed hosts; several silos may run one at once. Default null: no monitor.
    /// </summary>
    public string? HealthMonitorSysUrl { get; set; }

    /// <summary>Credentials file of the system-account user for the health monitor.</summary>
    public string? HealthMonitorSysCredsFile { get; set; }

    /// <summary>
    /// How long a request whose grain call failed because a silo was lost (<c>SiloUnavailableException</c>, a rejected or
    /// unforwardable message, a dropped silo connection) is retried, with backoff, before the caller gets
    /// <c>not_available</c>. Retries of a conversational turn are exactly-once (the conversation's turn log answers a
    /// request id it already ran); stateless agents may run a retried request twice. Default 10 s, well under the
    /// reference caller's 30 s call timeout; <see cref="TimeSpan.Zero"/> turns retries off.
    /// </summary>
    public TimeSpan FailoverRetryTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How many recent turns (request id and reply) a conversation keeps with its state, in the same storage write, so
    /// a retried or re-sent request id gets the stored reply instead of running again. Default 16; 0 keeps none.
    /// </summary>
    public int TurnLogSize { get; set; } = 16;

    /// <summary>
    /// How long a starting silo waits for NATS to accept its connection, retrying with backoff (in a container deployment
    /// NATS often starts after the silo). Past it the start fails with a <see cref="OamOrleans.Client.MeshUnavailableException"/>. Default 60 s.
    /// </summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Longest pause between attempts when a KV operation at start (bucket get-or-create, registration) fails; the silo
    /// keeps retrying (the mesh's state must never crash it) and reports itself started only once registered. Default 5 s.
    /// </summary>
    public TimeSpan StartRetryMaxDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Replicas of every mesh bucket this silo creates (<c>mesh-catalog</c>, <c>mesh-registry</c>, <c>mesh-instances</c>,
    /// <c>mesh-context</c>, <c>mesh-observability</c>, the <c>mesh-artifacts</c> object store), 1 to 5. More than 1 needs a
    /// JetStream cluster of at least that many servers; 3 survives the loss of any one of them. A bucket that already
    /// exists with fewer replicas is reported at start (see <see cref="ReconcileBuckets"/>). The silo's <c>OAM_REPLICAS</c>
    /// sets this and the grain-state and membership providers' <c>Replicas</c> alike. Default 1 (the reference's).
    /// </summary>
    public int Replicas { get; set; } = 1;

    /// <summary>
    /// When a mesh bucket exists with fewer than <see cref="Replicas"/> replicas, raise its stream's replica count at start
    /// instead of only warning. Off by default: another implementation may have made the bucket, and it is never changed
    /// without the operator asking (<c>OAM_RECONCILE_BUCKETS=true</c>). Buckets with more replicas are left as they are.
    /// </summary>
    public bool ReconcileBuckets { get; set; }

    /// <summary>Largest request body accepted, in bytes; larger requests get <c>invalid_input</c>. Default null: the server's max_payload.</summary>
    public int? MaxRequestBytes { get; set; }

    /// <summary>
    /// How often the silo publishes each hosted agent's heartbeat on <c>mesh.health.{name}</c> (requests, errors, latency
    /// since the last beat, in flight, queued, shed, last error code). Default 10 s; zero or negative turns beats off;
    /// a positive interval must be at least 100 ms. The silo's <c>OAM_HEARTBEAT_INTERVAL</c> (seconds) sets it.
    /// </summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(10);
}
