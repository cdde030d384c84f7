using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.KeyValueStore;

namespace OamOrleans.Nats;

/// <summary>
/// Reads one KV key the same way on every kind of bucket. A bucket made by NATS.Net allows direct get, and a missing key
/// is <see cref="NatsKVKeyNotFoundException"/>; a bucket made by nats-py (the reference SDK) has <c>allow_direct: false</c>,
/// so the read goes through <c>$JS.API.STREAM.MSG.GET</c> and nats-server 2.9 answers a missing key with a JetStream API
/// error (code 404, err_code 10037) that NATS.Net surfaces as <see cref="NatsJSApiException"/>, from
/// <c>TryGetEntryAsync</c> too. A deleted or purged key is <see cref="NatsKVKeyDeletedException"/> on both.
/// </summary>
/// <remarks>One source file linked into each assembly that reads KV (client, grain storage, membership), so the
/// providers keep depending on Orleans and NATS.Net only.</remarks>
internal static class NatsKVReads
{
    private const int NoMessageFound = 10037;

    /// <summary>True when <paramref name="e"/> only says that the key holds no value (never written, deleted or purged).</summary>
    public static bool IsMissingKey(Exception e) =>
        e is NatsKVKeyNotFoundException or NatsKVKeyDeletedException
        || e is NatsJSApiException { Error: { Code: 404, ErrCode: NoMessageFound } };

    /// <summary>
    /// The current entry of <paramref name="key"/>, or <see cref="NatsKVRead{T}.Missing"/> when there is none; for a deleted
    /// or purged key, <see cref="NatsKVRead{T}.MarkerRevision"/> is the revision of its delete marker (the revision a
    /// compare-and-swap update must name). Any other error is thrown.
    /// </summary>
    public static async ValueTask<NatsKVRead<T>> ReadKeyAsync<T>(this INatsKVStore store, string key, INatsDeserialize<T>? serializer = null, CancellationToken cancellationToken = default)
    {
        try
        {
            return new NatsKVRead<T>(await store.GetEntryAsync(key, serializer: serializer, cancellationToken: cancellationToken).ConfigureAwait(false), 0);
        }
        catch (NatsKVKeyDeletedException e)
        {
            return new NatsKVRead<T>(null, e.Revision);
        }
        catch (Exception e) when (IsMissingKey(e))
        {
            return NatsKVRead<T>.Missing;
        }
    }
}

/// <summary>The outcome of <see cref="NatsKVReads.ReadKeyAsync{T}"/>: an entry, or none (with the delete marker's revision, 0 when never written).</summary>
internal readonly record struct NatsKVRead<T>(NatsKVEntry<T>? Entry, ulong MarkerRevision)
{
    public static NatsKVRead<T> Missing => new(null, 0);

    /// <summary>The entry's revision when there is one, else the delete marker's (0 when the key was never written).</summary>
    public ulong Revision => Entry?.Revision ?? MarkerRevision;
}
