using OamOrleans.Client;
using NATS.Client.KeyValueStore;

namespace OamOrleans.Clustering.Nats;

/// <summary>
/// Options of the NATS JetStream KV reminder table. Every property has a working default for a local
/// <c>nats-server -js</c>; every silo of one service must use the same bucket.
/// </summary>
/// <remarks>
/// One KV key per reminder, <c>{serviceId}.{grainHash:x8}.{grainId}.{reminderName}</c> (each segment escaped as in grain
/// storage keys), holding <c>{"grainId":"…","name":"…","startAt":"…","period":"…"}</c>. A reminder's etag is its KV
/// revision: an upsert is a put (every write gets a new etag) and a removal is a delete that names that revision, so a
/// stale etag never removes a newer registration. <c>nats kv ls {bucket}</c> lists the reminders.
/// </remarks>
public sealed class NatsReminderTableOptions
{
    /// <summary>The default <see cref="BucketName"/>: <c>orleans-reminders</c>.</summary>
    public const string DefaultBucketName = "orleans-reminders";

    /// <summary>
    /// The NATS server(s) and credentials (creds file, NKey seed file, token, TLS files). Default null: in a silo with
    /// <c>AddOpenAgentMesh</c> the silo's mesh endpoint (<c>MeshHostOptions.Endpoint</c>), else
    /// <see cref="MeshEndpoint.Resolve"/> (<c>OAM_URL</c>, <c>OAM_CREDS</c>, …, a <c>.oam-url</c> file, else
    /// <c>nats://localhost:4222</c>).
    /// </summary>
    public MeshEndpoint? Endpoint { get; set; }

    /// <summary>Connection name shown by the server's monitoring. Default <c>orleans-reminders</c>.</summary>
    public string? ConnectionName { get; set; }

    /// <summary>KV bucket holding the reminders; created by the first silo if missing. Default <see cref="DefaultBucketName"/>.</summary>
    public string BucketName { get; set; } = DefaultBucketName;

    /// <summary>Number of replicas of the bucket when it is created (1 to 5). Default 1.</summary>
    public int Replicas { get; set; } = 1;

    /// <summary>
    /// When the bucket already exists with fewer than <see cref="Replicas"/> replicas, raise its stream's replica count at
    /// start instead of only logging a warning. Default false.
    /// </summary>
    public bool ReconcileReplicas { get; set; }

    /// <summary>Storage of the bucket when it is created. Default <see cref="NatsKVStorageType.File"/>.</summary>
    public NatsKVStorageType StorageType { get; set; } = NatsKVStorageType.File;
}
