using NATS.Client.KeyValueStore;

namespace OamOrleans.Bridge;

/// <summary>A KV watch that tells the current values (replayed at start) apart from the changes that follow.</summary>
internal static class KvWatch
{
    /// <summary>
    /// Watches <paramref name="pattern"/> until <paramref name="ct"/> is cancelled. <paramref name="onEntry"/> gets each
    /// entry and whether it was among the values present when the watch started; <paramref name="ready"/> completes
    /// once those have all been handed over (at once when there were none).
    /// </summary>
    public static async Task RunAsync(INatsKVStore store, string pattern, Func<NatsKVEntry<byte[]>, bool, Task> onEntry, TaskCompletionSource ready, CancellationToken ct)
    {
        try
        {
            var opts = new NatsKVWatchOpts { OnNoData = _ => { ready.TrySetResult(); return ValueTask.FromResult(false); } };
            await foreach (var entry in store.WatchAsync<byte[]>(pattern, opts: opts, cancellationToken: ct))
            {
                var initial = !ready.Task.IsCompleted;
                await onEntry(entry, initial);
                if (initial && entry.Delta == 0)
                {
                    ready.TrySetResult();
                }
            }
        }
        finally
        {
            ready.TrySetResult();
        }
    }
}
