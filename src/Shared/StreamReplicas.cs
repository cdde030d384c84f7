using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace OamOrleans.Nats;

/// <summary>
/// What a start-up found when it compared an existing bucket's replica count with the configured one: fewer replicas than
/// wanted (<see cref="Updated"/> when it was asked to raise them and did). More replicas than configured is fine and not reported.
/// </summary>
/// <param name="Bucket">The bucket's name (its stream is <c>KV_{bucket}</c> or <c>OBJ_{bucket}</c>).</param>
/// <param name="Has">The replicas the bucket had.</param>
/// <param name="Wants">The replicas configured (<c>OAM_REPLICAS</c>, a provider's <c>Replicas</c>).</param>
/// <param name="Updated">True when the stream was updated to <paramref name="Wants"/> replicas.</param>
internal sealed record ReplicaShortfall(string Bucket, int Has, int Wants, bool Updated)
{
    /// <summary>What was done about it, for a provider's log line.</summary>
    public string Outcome => Updated
        ? "raised to the configured count (ReconcileReplicas)"
        : "left as it is; set ReconcileReplicas (OAM_RECONCILE_BUCKETS=true) to raise them";
}

/// <summary>
/// Compares the replica count of a bucket that already existed with the configured one. Another implementation (or an
/// earlier start with other settings) may have made it: it is changed only when the operator asked for that
/// (<c>OAM_RECONCILE_BUCKETS=true</c>, a provider's <c>ReconcileReplicas</c>), never silently.
/// </summary>
/// <remarks>One source file linked into the client and each provider assembly, like NatsKVBuckets.</remarks>
internal static class StreamReplicas
{
    /// <summary>The shortfall of <paramref name="stream"/> (raised to <paramref name="wanted"/> when <paramref name="reconcile"/>), or null when it has enough.</summary>
    public static async ValueTask<ReplicaShortfall?> CheckAsync(INatsJSContext js, string bucket, string stream, int wanted, bool reconcile, CancellationToken cancellationToken)
    {
        var info = (await js.GetStreamAsync(stream, cancellationToken: cancellationToken)).Info;
        var has = Math.Max(1, info.Config.NumReplicas);
        if (has >= wanted)
        {
            return null;
        }

        if (!reconcile)
        {
            return new ReplicaShortfall(bucket, has, wanted, Updated: false);
        }

        // Only the replica count changes: whatever else its maker configured (history, TTL, direct gets) stays.
        await js.UpdateStreamAsync(info.Config with { NumReplicas = wanted }, cancellationToken);
        return new ReplicaShortfall(bucket, has, wanted, Updated: true);
    }

    /// <summary>The stream behind KV bucket <paramref name="bucket"/>.</summary>
    public static string KeyValueStream(string bucket) => "KV_" + bucket;

    /// <summary>The stream behind object store <paramref name="bucket"/>.</summary>
    public static string ObjectStream(string bucket) => "OBJ_" + bucket;
}
