using OamOrleans.Protocol;

namespace OamOrleans.Cli.Auth;

/// <summary>What a user of a role may publish and subscribe to: the allow-lists written into its JWT.</summary>
internal sealed record RolePermissions(IReadOnlyList<string> Publish, IReadOnlyList<string> Subscribe);

/// <summary>
/// The roles of <c>oam auth user add --role</c>, least privilege. Fixes three defects of the reference's templates: events
/// are granted at every depth (one pattern per depth, <see cref="MaxEventDepth"/>), the invoker can receive stream frames
/// and send callbacks (<c>mesh.stream.&gt;</c>, <c>mesh.results.&gt;</c>), and roles that only read get the JetStream API
/// subjects of reading (stream info, message get, watch consumers on the buckets they read, and the account info
/// nats.js asks first) instead of <c>$JS.API.&gt;</c>. Checked against what NATS.Net, nats.js and nats-py send for each
/// verb a role allows.
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

    /// <summary>
    /// The account's JetStream limits and usage (no stream content): nats.js asks it before it opens a KV view
    /// (<c>js.views.kv(…)</c> checks the JetStream API first).
    /// </summary>
    private const string AccountInfo = "$JS.API.INFO";

    public static readonly IReadOnlyList<string> Names = [Worker, Invoker, Observer, Admin];

    /// <summary>
    /// The first token of every private inbox: <c>_INBOX_PRIVATE.{user}</c>. A separate root (not under <c>_INBOX</c>) so
    /// that no <c>_INBOX.&gt;</c> grant covers it, and one token so that workers can answer every private inbox with a single
    /// publish grant.
    /// </summary>
    public const string PrivateInboxRoot = "_INBOX_PRIVATE";

    /// <summary>The roles that may take a private inbox (<c>--private-inbox</c>): those that call or read through JetStream.</summary>
    public static readonly IReadOnlyList<string> PrivateInboxRoles = [Invoker, Observer];

    /// <summary>The inbox prefix of <paramref name="user"/>'s private inbox: <c>_INBOX_PRIVATE.{user}</c>.</summary>
    public static string PrivateInboxPrefix(string user) => $"{PrivateInboxRoot}.{user}";

    /// <summary>
    /// The grants of <paramref name="role"/>. Replies come to <paramref name="inboxPrefix"/> (<c>_INBOX</c> by default, or a
    /// user's <see cref="PrivateInboxPrefix"/>, which only that user may subscribe to).
    /// </summary>
    public static RolePermissions For(string role, string inboxPrefix = "_INBOX")
    {
        var inbox = inboxPrefix + ".>";
        return role switch
        {
            // Workers answer callers on any inbox, private ones included.
            Worker => new(
                ["mesh.>", "_INBOX.>", PrivateInboxRoot + ".>", "$JS.API.>", "$KV.>", "$O.>", "$JS.ACK.>", "$JS.FC.>"],
                ["mesh.>", "_INBOX.>"]),
            Invoker => new(
                ["mesh.agent.>", AccountInfo, .. StreamInfo(), .. Read(MeshBuckets.Catalog), .. Read(MeshBuckets.Registry)],
                [inbox, "mesh.stream.>", "mesh.results.>", "mesh.death.>", .. EventPatterns()]),
            Observer => new(
                [
                    AccountInfo, .. StreamInfo(), .. Read(MeshBuckets.Catalog), .. Read(MeshBuckets.Registry),
                    .. Read(MeshBuckets.Instances), .. Read(MeshBuckets.Observability),
                ],
                [inbox, "mesh.errors.>", "mesh.logs.>", "mesh.death.>", "mesh.health.>", .. EventPatterns()]),
            Admin => new([">"], [">"]),
            _ => throw new ArgumentException($"Unknown role '{role}': use one of {string.Join(", ", Names)}.", nameof(role)),
        };
    }

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
