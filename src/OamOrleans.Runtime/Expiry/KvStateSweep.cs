using NATS.Client.Core;
using NATS.Client.KeyValueStore;
using OamOrleans.Nats;

namespace OamOrleans.Expiry;

/// <summary>
/// One pass over one agent's conversations in the NATS grain storage's bucket: reads them a page at a time (a watch
/// filtered to the agent's keys, resumed after the last revision seen, so the bucket is never loaded whole) and deletes
/// each expired one with the revision it read as the expected last revision. A turn that wrote meanwhile changed the
/// revision, so its delete fails and the live state stays; a state deleted first is never written back by a turn that
/// read it (its write names the old revision too). Two sweepers deleting the same revision: one wins, the other's
/// delete fails, nothing else happens.
/// Where a page ends: <see cref="NatsKVPages"/>.
/// </summary>
internal static class KvStateSweep
{
    public static async Task<SweepResult> SweepAsync(INatsKVStore store, string filter, TimeSpan ttl, int pageSize, CancellationToken cancellationToken)
    {
        var result = default(SweepResult);
        ulong after = 0;
        while (true)
        {
            var page = await FindExpiredAsync(store, filter, ttl, after, pageSize, cancellationToken).ConfigureAwait(false);
            var (deleted, kept) = await DeleteAsync(store, page.Expired, cancellationToken).ConfigureAwait(false);
            result = new SweepResult(result.Read + page.Read, result.Deleted + deleted, result.Kept + kept);
            if (page.Next is not { } next)
            {
                return result;
            }

            after = next;
        }
    }

    /// <summary>One page: up to <paramref name="pageSize"/> entries after revision <paramref name="after"/>, and which of them are expired.</summary>
    public static async Task<ExpiredPage> FindExpiredAsync(INatsKVStore store, string filter, TimeSpan ttl, ulong after, int pageSize, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        var expired = new List<(string Key, ulong Revision)>();
        var read = 0;
        var next = await store.ReadPageAsync(filter, after, pageSize, e =>
        {
            read++;
            if (e.Operation == NatsKVOperation.Put && e.Value is { } value
                && ConversationExpiry.LastTurnOf(value) is { } lastTurn && ConversationExpiry.IsExpired(lastTurn, ttl, now))
            {
                expired.Add((e.Key, e.Revision));
            }
        }, cancellationToken).ConfigureAwait(false);
        return new ExpiredPage(expired, read, next);
    }

    /// <summary>Deletes each entry only if it is still at the revision found expired; returns (deleted, kept because rewritten).</summary>
    public static async Task<(int Deleted, int Kept)> DeleteAsync(INatsKVStore store, IReadOnlyList<(string Key, ulong Revision)> expired, CancellationToken cancellationToken)
    {
        int deleted = 0, kept = 0;
        foreach (var (key, revision) in expired)
        {
            var result = await store.TryDeleteAsync(key, new NatsKVDeleteOpts { Revision = revision }, cancellationToken).ConfigureAwait(false);
            if (result.Success)
            {
                deleted++;
            }
            else if (result.Error is NatsKVWrongLastRevisionException)
            {
                kept++; // a turn wrote it meanwhile: live again
            }
            else
            {
                throw result.Error;
            }
        }

        return (deleted, kept);
    }

}

/// <summary>One page of a sweep: the expired entries (key, revision read), how many entries were read, and the cursor of the next page (null: none).</summary>
internal sealed record ExpiredPage(IReadOnlyList<(string Key, ulong Revision)> Expired, int Read, ulong? Next);

/// <summary>What one sweep did: conversations read, expired ones deleted, expired ones a turn rewrote first (kept).</summary>
internal readonly record struct SweepResult(int Read, int Deleted, int Kept);
