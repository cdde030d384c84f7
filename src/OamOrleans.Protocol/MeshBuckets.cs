namespace OamOrleans.Protocol;

/// <summary>The five KV buckets and the object store every OAM process gets-or-creates on connect (§4.4).</summary>
public static class MeshBuckets
{
    public const string Catalog = CatalogDocument.Bucket;
    public const string Registry = AgentContract.Bucket;
    public const string Instances = InstanceRecord.Bucket;
    public const string Observability = "mesh-observability";
    public const string Context = "mesh-context";
    public const string Artifacts = "mesh-artifacts";

    public static readonly IReadOnlyList<string> KeyValue = [Catalog, Registry, Instances, Observability, Context];
}
