using NATS.Client.Core;
using NATS.Client.KeyValueStore;
using OamOrleans.Protocol;
using OamOrleans.Nats;

namespace OamOrleans.Client;

/// <summary>
/// The local copy of <c>mesh-catalog/catalog</c>: seeded with a get, then kept current by a KV watch on that key.
/// Every update replaces the whole cache (§4.2 readers). A deleted or purged key reads as an empty catalog.
/// </summary>
internal sealed class CatalogCache : IAsyncDisposable
{
    private INatsKVStore? _store;
    private readonly CancellationTokenSource _stop = new();
    private readonly object _gate = new();
    private readonly TaskCompletionSource _seeded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Snapshot _current = new([], 0);
    private Task _watch = Task.CompletedTask;

    private CatalogCache(INatsKVStore? store) => _store = store;

    public IReadOnlyList<CatalogEntry> Entries => Volatile.Read(ref _current).Entries;

    /// <summary>Raised after every applied update (on the watch's thread); handlers must not block.</summary>
    public event Action? Changed;

    public bool Contains(string name)
    {
        foreach (var e in Entries)
        {
            if (e.Name == name)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True once the catalog was read (or, for a cache started in the background, could not be read while connected).</summary>
    public bool IsSeeded => _seeded.Task.IsCompleted;

    /// <summary>
    /// Waits until <see cref="IsSeeded"/>, at most <paramref name="limit"/>: an operation right after connecting sees the
    /// agents already registered. Past the limit the operation goes on; the cache fills once the catalog can be read.
    /// </summary>
    public async ValueTask WaitSeededAsync(TimeSpan limit, CancellationToken ct)
    {
        try
        {
            await _seeded.Task.WaitAsync(limit, ct).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
    }

    public static async ValueTask<CatalogCache> StartAsync(INatsKVStore store, CancellationToken ct)
    {
        var cache = new CatalogCache(store);
        await cache.SeedAsync(store, ct).ConfigureAwait(false);
        cache._watch = Task.Run(() => cache.WatchAsync(cache._stop.Token), CancellationToken.None);
        return cache;
    }

    /// <summary>
    /// An empty cache that opens its store in the background (retrying while the server is down), then seeds and watches:
    /// a client created before the mesh is reachable (<c>AddMeshClient</c>) fills its catalog once it is.
    /// </summary>
    public static CatalogCache StartInBackground(INatsConnection connection, Func<CancellationToken, ValueTask<INatsKVStore>> open)
    {
        var cache = new CatalogCache(null);
        cache._watch = Task.Run(() => cache.OpenThenWatchAsync(connection, open, cache._stop.Token), CancellationToken.None);
        return cache;
    }

    private async Task SeedAsync(INatsKVStore store, CancellationToken ct)
    {
        var read = await store.ReadKeyAsync(CatalogDocument.Key, NatsRawSerializer<byte[]>.Default, ct).ConfigureAwait(false);
        if (read.Revision > 0)
        {
            Apply(read.Entry?.Value, read.Revision);
        }

        _seeded.TrySetResult();
    }

    private async Task OpenThenWatchAsync(INatsConnection connection, Func<CancellationToken, ValueTask<INatsKVStore>> open, CancellationToken ct)
    {
        while (_store is null)
        {
            try
            {
                var store = await open(ct).ConfigureAwait(false);
                await SeedAsync(store, ct).ConfigureAwait(false);
                _store = store;
            }
            catch (Exception) when (ct.IsCancellationRequested)
            {
                return; // the client is being disposed: however this open ended (a failed connect too) is nobody's concern
            }
            catch (Exception)
            {
                // Not reachable yet: every operation of the client reports that to its caller; try again shortly. Reachable
                // but not readable (permissions, no JetStream): operations stop waiting for the catalog; the retries go on.
                if (connection.ConnectionState == NatsConnectionState.Open)
                {
                    _seeded.TrySetResult();
                }

                if (!await PauseAsync(ct).ConfigureAwait(false))
                {
                    return;
                }
            }
        }

        await WatchAsync(ct).ConfigureAwait(false);
    }

    private async Task WatchAsync(CancellationToken ct)
    {
        var store = _store!;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await foreach (var entry in store.WatchAsync(CatalogDocument.Key, serializer: NatsRawSerializer<byte[]>.Default, cancellationToken: ct).ConfigureAwait(false))
                {
                    Apply(entry.Operation == NatsKVOperation.Put ? entry.Value : null, entry.Revision);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception) when (!ct.IsCancellationRequested)
            {
                // The watch ended (connection lost, stream recreated): start a new one after a short pause.
                if (!await PauseAsync(ct).ConfigureAwait(false))
                {
                    return;
                }
            }
        }
    }

    /// <summary>A short pause before trying again; false when <paramref name="ct"/> ended it.</summary>
    private static async Task<bool> PauseAsync(CancellationToken ct)
    {
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(250), ct).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private void Apply(byte[]? value, ulong revision)
    {
        var entries = value is null ? [] : CatalogDocument.Parse(value).Entries;
        lock (_gate)
        {
            // Never go back in time: a restarted watch may replay the revision the seed already applied.
            if (revision != 0 && revision < _current.Revision)
            {
                return;
            }

            Volatile.Write(ref _current, new Snapshot(entries, revision));
        }

        Changed?.Invoke();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _watch.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private sealed record Snapshot(IReadOnlyList<CatalogEntry> Entries, ulong Revision);
}
