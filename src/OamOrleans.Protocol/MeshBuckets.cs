namespace OamOrleans.Protocol;

/// <summary>The five KV buckets and the object store every OAM process gets-or-creates on connect (§4.4).</summary>
public static class MeshBuckets
{
    /// <summary>KV bucket <c>mesh-catalog</c>: one document (key <c>catalog</c>) listing every agent, updated by compare-and-swap.</summary>
    public const string Catalog = CatalogDocument.Bucket;
    /// <summary>KV bucket <c>mesh-registry</c>: each agent's full contract (schemas, flags) under its name.</summary>
    public const string Registry = AgentContract.Bucket;
    /// <summary>KV bucket <c>mesh-instances</c>: one record per running host process, keyed by instance id.</summary>
    public const string Instances = InstanceRecord.Bucket;
    /// <summary>KV bucket <c>mesh-observability</c>: host-side observability settings such as per-agent log levels.</summary>
    public const string Observability = "mesh-observability";
    /// <summary>KV bucket <c>mesh-context</c>: the shared key-value context agents and clients read and write.</summary>
    public const string Context = "mesh-context";
    /// <summary>Object store <c>mesh-artifacts</c>: the shared workspace for files and large payloads.</summary>
    public const string Artifacts = "mesh-artifacts";

    /// <summary>The five KV buckets (not the object store), in the order processes create them.</summary>
    public static readonly IReadOnlyList<string> KeyValue = [Catalog, Registry, Instances, Observability, Context];
}
