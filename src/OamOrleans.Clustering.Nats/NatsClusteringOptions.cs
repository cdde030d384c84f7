using OamOrleans.Client;
using NATS.Client.KeyValueStore;

namespace OamOrleans.Clustering.Nats;

/// <summary>
/// Options of the NATS JetStream KV membership table (silos) and gateway list provider (clients). Every property has a
/// working default for a local <c>nats-server -js</c>; silos and clients of one cluster must use the same bucket.
/// </summary>
/// <remarks>
/// The whole membership table of a cluster is one KV key (the escaped cluster id) holding a JSON document:
/// <c>{"version":3,"versionEtag":"…","members":[{"etag":"…","siloAddress":"S10.0.0.5:11111:4567",…}]}</c>.
/// Every change is a compare-and-set on the key's KV revision, which gives the atomic row + table-version update Orleans
/// requires without multi-key transactions (not available on NATS 2.9). Logical etags (table version etag, row etags)
/// are stored in the document, so I-am-alive heartbeats do not invalidate them. <c>nats kv get {bucket} {clusterId}</c>
/// shows the table.
/// </remarks>
public sealed class NatsClusteringOptions
{
    /// <summary>The default <see cref="BucketName"/>: <c>orleans-membership</c>.</summary>
    public const string DefaultBucketName = "orleans-membership";

    /// <summary>
    /// The NATS server(s) and credentials (creds file, NKey seed file, token, TLS files). Default null: in a silo with
    /// <c>AddOpenAgentMesh</c> the silo's mesh endpoint (<c>MeshHostOptions.Endpoint</c>), else
    /// <see cref="MeshEndpoint.Resolve"/> (<c>OAM_URL</c>, <c>OAM_CREDS</c>, …, a <c>.oam-url</c> file, else
    /// <c>nats://localhost:4222</c>).
    /// </summary>
    public MeshEndpoint? Endpoint { get; set; }

    /// <summary>Connection name shown by the server's monitoring. Default <c>orleans-membership</c> / <c>orleans-gateway-list</c>.</summary>
    public string? ConnectionName { get; set; }

    /// <summary>KV bucket holding the membership tables; created by the first silo if missing. Default <see cref="DefaultBucketName"/>.</summary>
    public string BucketName { get; set; } = DefaultBucketName;

    /// <summary>Number of replicas of the bucket when it is created (1 to 5). Default 1.</summary>
    public int Replicas { get; set; } = 1;

    /// <summary>
    /// When the bucket already exists with fewer than <see cref="Replicas"/> replicas, raise its stream's replica count at
    /// start instead of only logging a warning. Default false: a bucket is never changed without being asked.
    /// </summary>
    public bool ReconcileReplicas { get; set; }

    /// <summary>Storage of the bucket when it is created. Default <see cref="NatsKVStorageType.File"/>.</summary>
    public NatsKVStorageType StorageType { get; set; } = NatsKVStorageType.File;
}
