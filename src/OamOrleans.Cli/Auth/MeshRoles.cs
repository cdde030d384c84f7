using OamOrleans.Protocol;

namespace OamOrleans.Cli.Auth;

/// <summary>What a user of a role may publish and subscribe to: the allow-lists written into its JWT.</summary>
internal sealed record RolePermissions(IReadOnlyList<string> Publish, IReadOnlyList<string> Subscribe);

/// <summary>
/// The roles of <c>oam auth user add --role</c>, least privilege. Fixes three defects of the reference's templates: events
/// are granted at every depth (one pattern per depth, <see cref="MaxEventDepth"/>), the invoker can receive stream frames
/// and send callbacks (<c>mesh.stream.&gt;</c>, <c>mesh.results.&gt;</c>), and roles that only read get the JetStream API
/// subjects of reading (stream info, message get, watch consumers on the buckets they read) instead of <c>$JS.API.&gt;</c>.
/// </summary>
internal static class MeshRoles
{
    public const string Worker = "worker";
    public const string Invoker = "invoker";
    public const string Observer = "observer";
    public const string Admin = "admin";

    /// <summary>
    /// NATS has no "any number of tokens, then <c>events</c>" wildcard, so events are granted as
    /// <c>mesh.agent.*.events</c>, <c>mesh.agent.*.*.events</c>, … up to this many name segments.
    /// </summary>
    public const int MaxEventDepth = 16;

    public static readonly IReadOnlyList<string> Names = [Worker, Invoker, Observer, Admin];

    public static RolePermissions For(string role) => role switch
    {
        Worker => new(
            ["mesh.>", "_INBOX.>", "$JS.API.>", "$KV.>", "$O.>", "$JS.ACK.>", "$JS.FC.>"],
            ["mesh.>", "_INBOX.>"]),
        Invoker => new(
            ["mesh.agent.>", .. StreamInfo(), .. Read(MeshBuckets.Catalog), .. Read(MeshBuckets.Registry)],
            ["_INBOX.>", "mesh.stream.>", "mesh.results.>", "mesh.death.>", .. EventPatterns()]),
        Observer => new(
            [
                .. StreamInfo(), .. Read(MeshBuckets.Catalog), .. Read(MeshBuckets.Registry),
                .. Read(MeshBuckets.Instances), .. Read(MeshBuckets.Observability),
            ],
            ["_INBOX.>", "mesh.errors.>", "mesh.logs.>", "mesh.death.>", "mesh.health.>", .. EventPatterns()]),
        Admin => new([">"], [">"]),
        _ => throw new ArgumentException($"Unknown role '{role}': use one of {string.Join(", ", Names)}.", nameof(role)),
    };

    /// <summary><c>mesh.agent.*.events</c> … with <see cref="MaxEventDepth"/> <c>*</c> tokens.</summary>
    public static IEnumerable<string> EventPatterns() =>
        Enumerable.Range(1, MaxEventDepth).Select(depth => "mesh.agent." + string.Concat(Enumerable.Repeat("*.", depth)) + "events");

    /// <summary>Stream info of every mesh bucket: what a client's get-or-create of the buckets asks when they exist.</summary>
    private static IEnumerable<string> StreamInfo() =>
        MeshBuckets.KeyValue.Select(b => "$JS.API.STREAM.INFO.KV_" + b).Append("$JS.API.STREAM.INFO.OBJ_" + MeshBuckets.Artifacts);

    /// <summary>Reading a KV bucket: message get (direct or through the API), and the ordered consumer of a watch.</summary>
    private static IEnumerable<string> Read(string bucket)
    {
        var stream = "KV_" + bucket;
        return
        [
            $"$JS.API.STREAM.MSG.GET.{stream}",
            $"$JS.API.DIRECT.GET.{stream}",
            $"$JS.API.DIRECT.GET.{stream}.>",
            $"$JS.API.CONSUMER.CREATE.{stream}",
            $"$JS.API.CONSUMER.CREATE.{stream}.>",
            $"$JS.API.CONSUMER.DELETE.{stream}.>",
            $"$JS.API.CONSUMER.INFO.{stream}.>",
            $"$JS.FC.{stream}.>",
        ];
    }
}
