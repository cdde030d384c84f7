using NATS.Client.Core;
using NATS.Client.KeyValueStore;

namespace OamOrleans.Nats;

/// <summary>
/// Reads a KV bucket's entries under a key filter one page at a time (a watch resumed after a revision), so a bucket is
/// never loaded whole. A page ends at the first of: <c>limit</c> entries read (the next page resumes after the last), the
/// watch reporting nothing more pending, the bucket's last revision when the page began (later entries were written
/// while it was read: a conversation rewritten all the time would otherwise keep the page chasing its writes), or
/// nothing arriving for <see cref="EntryWaitLimit"/> (a stalled watch ends the page instead of hanging its reader).
/// </summary>
/// <remarks>One source file linked into each assembly that pages through conversation state (the grain storage's
/// conversation listing, the runtime's expiry sweeper).</remarks>
internal static class NatsKVPages
{
    /// <summary>How long a page waits for its next entry (the watch's idle heartbeat is 5 s).</summary>
    public static readonly TimeSpan EntryWaitLimit = TimeSpan.FromSeconds(10);

    private static readonly NatsRawSerializer<byte[]> Raw = NatsRawSerializer<byte[]>.Default;

    /// <summary>Calls <paramref name="each"/> for up to <paramref name="limit"/> entries after revision <paramref name="after"/>; returns the next page's cursor, or null when this page reached the end.</summary>
    public static async ValueTask<ulong?> ReadPageAsync(this INatsKVStore store, string filter, ulong after, int limit, Action<NatsKVEntry<byte[]>> each, CancellationToken cancellationToken)
    {
        var last = (await store.GetStatusAsync(cancellationToken).ConfigureAwait(false)).Info.State.LastSeq;
        if (last <= after)
        {
            return null;
        }

        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        waiting.CancelAfter(EntryWaitLimit);
        var opts = new NatsKVWatchOpts { OnNoData = static _ => ValueTask.FromResult(true), ResumeAtRevision = after + 1 };
        var read = 0;
        try
        {
            await foreach (var entry in store.WatchAsync(filter, Raw, opts, waiting.Token).ConfigureAwait(false))
            {
                waiting.CancelAfter(EntryWaitLimit);
                each(entry);
                if (entry.Delta == 0 || entry.Revision >= last)
                {
                    return null;
                }

                if (++read == limit)
                {
                    return entry.Revision;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Nothing arrived for EntryWaitLimit: the page ends with what it read.
        }

        return null;
    }
}
