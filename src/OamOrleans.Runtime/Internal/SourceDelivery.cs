using OamOrleans.Client;

namespace OamOrleans.Internal;

/// <summary>One message (subject source) or KV change (KV source) on its way to an agent grain.</summary>
/// <param name="Id">A fresh id for the delivery (the handler's <see cref="AgentContext.RequestId"/>).</param>
/// <param name="Origin">The concrete subject, or the KV key.</param>
/// <param name="Data">The payload or value (empty for deletes).</param>
/// <param name="Headers">The message headers (first value of each), null for KV changes.</param>
/// <param name="Revision">The KV revision; 0 for messages.</param>
/// <param name="IsKv">True for a KV change.</param>
/// <param name="IsDelete">True for a KV delete or purge.</param>
[GenerateSerializer, Immutable, Alias("oam.SourceDelivery")]
internal sealed record SourceDelivery(
    [property: Id(0)] string Id,
    [property: Id(1)] string Origin,
    [property: Id(2)] byte[] Data,
    [property: Id(3)] Dictionary<string, string>? Headers,
    [property: Id(4)] ulong Revision = 0,
    [property: Id(5)] bool IsKv = false,
    [property: Id(6)] bool IsDelete = false)
{
    /// <summary>For a KV change: <see cref="KvOperation.Delete"/> for a delete or purge, else <see cref="KvOperation.Put"/>.</summary>
    public KvOperation Operation => IsDelete ? KvOperation.Delete : KvOperation.Put;
}
