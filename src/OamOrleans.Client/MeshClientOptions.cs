using Microsoft.Extensions.Logging;
using System.Text.Json;

namespace OamOrleans.Client;

/// <summary>
/// Options of a <see cref="MeshClient"/>. Settable so that configuration binding and <c>AddMeshClient(o =&gt; …)</c> work;
/// the client copies them when it is created, so later changes do not affect it. Derive variants with <c>with</c>.
/// </summary>
public sealed record MeshClientOptions
{
    /// <summary>The defaults (a new instance each time): 30 s call timeout, buckets ensured on connect, death-notice fast-fail on.</summary>
    public static MeshClientOptions Default => new();

    /// <summary>
    /// Where the mesh is and how to log in (URL, creds file, NKey seed file, token, TLS files, inbox prefix). When null
    /// (and <see cref="MeshClient.ConnectAsync"/> is given no URL) it is resolved like the reference:
    /// <see cref="MeshEndpoint.Resolve"/> reads <c>OAM_URL</c>, <c>OAM_CREDS</c>, <c>OAM_NKEY_SEED_FILE</c>,
    /// <c>OAM_TOKEN</c>, <c>OAM_TLS_*</c>, <c>OAM_INBOX_PREFIX</c> and a <c>.oam-url</c> file, else
    /// <c>nats://localhost:4222</c>. A private inbox prefix (<c>oam auth user add alice --private-inbox</c>) is found next
    /// to the creds file.
    /// </summary>
    public MeshEndpoint? Endpoint { get; set; }

    /// <summary>Logs of the client and of the NATS connection it opens; none when null (<c>AddMeshClient</c> takes the container's).</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>The instance id (uuid hex); a new one when null. The connection is named <c>oam-host-{id}</c>.</summary>
    public string? InstanceId { get; set; }

    /// <summary>
    /// The NATS connection name; <c>oam-host-{InstanceId}</c> when null, as every OpenAgentMesh process names it. A host
    /// that opens a second, caller-only connection names it differently, so that a health monitor seeing that connection
    /// drop does not take the host for dead.
    /// </summary>
    public string? ConnectionName { get; set; }

    /// <summary>Deadline of <see cref="MeshClient.CallAsync{TOut}"/> when the call sets none. Default 30 s, like the reference.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Total deadline of a <see cref="MeshClient.StreamAsync{TChunk}"/> when the stream sets none. Default 60 s, like the reference.</summary>
    public TimeSpan StreamTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Inactivity timeout of a managed <see cref="MeshClient.SendAsync"/> (callback mode) when the send sets none. Default 60 s.</summary>
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long <see cref="MeshClient.ConnectAsync"/> waits for the server. Default 5 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>JSON settings for payloads and replies; <see cref="MeshJson.Options"/> when null.</summary>
    public JsonSerializerOptions? JsonOptions { get; set; }

    /// <summary>Get-or-create all mesh buckets on connect, as every reference SDK instance does. Default true.</summary>
    public bool EnsureBuckets { get; set; } = true;

    /// <summary>
    /// Subscribe to <c>mesh.death.{name}</c> during each call and fail fast with <see cref="AgentDiedException"/>
    /// when the target dies (the reference's caller fast-fail). Default true.
    /// </summary>
    public bool DeathFastFail { get; set; } = true;

    /// <summary>
    /// How calls are retried when their answer does not come (same request id, within the call's deadline). Default
    /// <see cref="MeshRetryOptions.Default"/>; <see cref="MeshRetryOptions.None"/> turns retries off for every call.
    /// </summary>
    public MeshRetryOptions Retry { get; set; } = MeshRetryOptions.Default;

    /// <summary>
    /// Replicas of the mesh buckets this client creates when they are missing (<see cref="EnsureBuckets"/>), 1 to 5. More
    /// than 1 needs a JetStream cluster. Buckets that exist are used as they are. Default 1 (the reference's).
    /// </summary>
    public int Replicas { get; set; } = 1;

    /// <summary>The options without secrets: the endpoint shows its URL without password and names its credentials only.</summary>
    public override string ToString() =>
        $"MeshClientOptions {{ Endpoint = {Endpoint?.ToString() ?? "null"}, InstanceId = {InstanceId ?? "null"}, ConnectionName = {ConnectionName ?? "null"} }}";
}

/// <summary>
/// Per-call options of <see cref="MeshClient.CallAsync{TOut}"/>, <see cref="MeshClient.CallRawAsync"/>,
/// <see cref="MeshClient.StreamAsync{TChunk}"/> and <see cref="MeshClient.StreamRawAsync"/>, and of agent-to-agent calls inside a
/// silo (<c>IAgentMesh</c>, which says what it uses).
/// </summary>
public sealed record CallOptions
{
    /// <summary>
    /// Deadline of this call; <see cref="MeshClientOptions.CallTimeout"/> when null. For a stream, the total deadline of
    /// the whole stream (not per chunk), like the reference; <see cref="MeshClientOptions.StreamTimeout"/> (60 s) when null.
    /// Past it the call or stream raises <see cref="MeshTimeoutException"/>.
    /// </summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>
    /// OamOrleans extension: sent as <c>X-Mesh-Conversation-Id</c> to select the conversation (state) of the target.
    /// Other OpenAgentMesh hosts ignore it.
    /// </summary>
    public string? ConversationId { get; init; }

    /// <summary>
    /// Extra request headers. They win over the client's own, except <c>X-Mesh-Request-Id</c>, which is always fresh (a
    /// stream's id, which names its stream subject), and a stream's <c>X-Mesh-Stream</c> (always <c>true</c>).
    /// </summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    /// <summary>JSON settings for this call (the payload, the reply or the chunks); the client's when null.</summary>
    public JsonSerializerOptions? JsonOptions { get; init; }

    /// <summary>
    /// How this call is retried; <see cref="MeshClientOptions.Retry"/> when null, <see cref="MeshRetryOptions.None"/> for
    /// one attempt only. Streams are never retried: a stream refuses retries that are enabled.
    /// </summary>
    public MeshRetryOptions? Retry { get; init; }
}

/// <summary>Filters of <see cref="MeshClient.CatalogAsync"/>; every filter left null matches everything.</summary>
public sealed record CatalogFilter
{
    /// <summary>Matches names equal to the channel or starting with the channel and a dot (<c>nlp</c> matches <c>nlp.echo</c>).</summary>
    public string? Channel { get; init; }

    /// <summary>Matches entries that carry all of these tags.</summary>
    public IReadOnlyCollection<string>? Tags { get; init; }

    /// <summary>Matches entries whose <c>streaming</c> flag equals this value.</summary>
    public bool? Streaming { get; init; }

    /// <summary>Matches entries whose <c>invocable</c> flag equals this value.</summary>
    public bool? Invocable { get; init; }
}
