using System.Text.Json;
using OamOrleans.Client;
using NATS.Client.KeyValueStore;
using Orleans.Runtime;
using Orleans.Storage;

namespace OamOrleans.Persistence.Nats;

/// <summary>
/// Options of the NATS JetStream KV grain storage provider. Every property has a working default for a local
/// <c>nats-server -js</c> (or, in a silo with <c>AddOpenAgentMesh</c>, for the mesh's NATS), so
/// <c>AddNatsGrainStorage("name")</c> or <c>AddNatsGrainStorage("name", "nats://host:4222")</c> is enough.
/// </summary>
/// <remarks>
/// Each grain state is one key in one KV bucket: <c>{serviceId}.{grainType}.{grainKey}.{stateName}</c>, every segment
/// encoded so that any grain id is a legal key (characters outside <c>[-/_a-zA-Z0-9]</c> become <c>=XX</c> hex escapes of
/// their UTF-8 bytes, see <see cref="NatsGrainStorageKeys"/>). The ETag is the KV revision of the key, so writes are
/// compare-and-set: a stale write fails with <see cref="InconsistentStateException"/>. Values are JSON
/// (System.Text.Json) unless <see cref="GrainStorageSerializer"/> is set, so <c>nats kv get</c> shows readable state.
/// </remarks>
public sealed class NatsGrainStorageOptions
{
    /// <summary>The default <see cref="BucketName"/>: <c>orleans-grain-state</c>.</summary>
    public const string DefaultBucketName = "orleans-grain-state";

    /// <summary>
    /// The NATS server(s) and credentials (creds file, NKey seed file, token, TLS files). Default null: in a silo with
    /// <c>AddOpenAgentMesh</c> the silo's mesh endpoint (<c>MeshHostOptions.Endpoint</c>), else
    /// <see cref="MeshEndpoint.Resolve"/> (<c>OAM_URL</c>, <c>OAM_CREDS</c>, …, a <c>.oam-url</c> file, else
    /// <c>nats://localhost:4222</c>).
    /// </summary>
    public MeshEndpoint? Endpoint { get; set; }

    /// <summary>Connection name shown by the server's monitoring. Default <c>orleans-grain-storage-{providerName}</c>.</summary>
    public string? ConnectionName { get; set; }

    /// <summary>KV bucket holding the grain states; created on first start if missing. Default <see cref="DefaultBucketName"/>.</summary>
    public string BucketName { get; set; } = DefaultBucketName;

    /// <summary>Number of replicas of the bucket when it is created (1 to 5; more than 1 needs a clustered JetStream). Default 1.</summary>
    public int Replicas { get; set; } = 1;

    /// <summary>
    /// When the bucket already exists with fewer than <see cref="Replicas"/> replicas, raise its stream's replica count at
    /// start instead of only logging a warning. Default false: a bucket is never changed without being asked.
    /// </summary>
    public bool ReconcileReplicas { get; set; }

    /// <summary>Storage of the bucket when it is created. Default <see cref="NatsKVStorageType.File"/> (durable across server restarts).</summary>
    public NatsKVStorageType StorageType { get; set; } = NatsKVStorageType.File;

    /// <summary>
    /// JSON options of the default System.Text.Json serializer. Default: <see cref="JsonSerializerDefaults.Web"/>
    /// (camelCase, public properties). Ignored when <see cref="GrainStorageSerializer"/> is set.
    /// </summary>
    public JsonSerializerOptions? JsonSerializerOptions { get; set; }

    /// <summary>
    /// A custom serializer (for example Orleans' binary serializer for states System.Text.Json cannot round-trip).
    /// Default <see langword="null"/>: System.Text.Json, readable with standard NATS tools.
    /// </summary>
    public IGrainStorageSerializer? GrainStorageSerializer { get; set; }

    /// <summary>Silo lifecycle stage at which the provider connects. Default <see cref="ServiceLifecycleStage.ApplicationServices"/>.</summary>
    public int InitStage { get; set; } = ServiceLifecycleStage.ApplicationServices;
}
