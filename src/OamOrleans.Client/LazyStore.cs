namespace OamOrleans.Client;

/// <summary>Opens a store once on first use; a failed open is retried on the next use.</summary>
internal sealed class LazyStore<T>(Func<CancellationToken, ValueTask<T>> open)
    where T : class
{
    private Task<T>? _opening;

    public async ValueTask<T> GetAsync(CancellationToken ct)
    {
        var task = Volatile.Read(ref _opening);
        if (task is null)
        {
            var created = open(CancellationToken.None).AsTask();
            task = Interlocked.CompareExchange(ref _opening, created, null) ?? created;
        }

        try
        {
            return await task.WaitAsync(ct).ConfigureAwait(false);
        }
        catch (Exception) when (task.IsFaulted || task.IsCanceled)
        {
            _ = Interlocked.CompareExchange(ref _opening, null, task);
            throw;
        }
    }
}
