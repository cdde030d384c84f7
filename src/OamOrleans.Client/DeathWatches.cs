using NATS.Client.Core;
using OamOrleans.Protocol;

namespace OamOrleans.Client;

/// <summary>
/// The death notices (<c>mesh.death.&lt;agent&gt;</c>) that calls in flight wait for: one subscription per agent, shared by
/// every call to it and closed when the last one ends, instead of a subscription opened and closed by each call.
/// </summary>
/// <remarks>
/// A call joins before it sends its request and sees every notice that comes after it joined, as with a subscription
/// of its own: each notice completes the current generation (what the calls in flight hold) and starts the next.
/// </remarks>
internal sealed class DeathWatches(INatsConnection connection)
{
    private static readonly NatsRawSerializer<byte[]> Raw = NatsRawSerializer<byte[]>.Default;
    private readonly INatsConnection _connection = connection;
    private readonly Dictionary<string, Watch> _watches = new(StringComparer.Ordinal);

    /// <summary>Joins the watch of <paramref name="agent"/>, opening its subscription first when no call to it is in flight.</summary>
    /// <returns>The lease: its <see cref="Lease.Notice"/> completes with the body of the next death notice; dispose it when the call ends.</returns>
    public async ValueTask<Lease> JoinAsync(string agent, CancellationToken ct)
    {
        Watch watch;
        Task<byte[]?> notice;
        lock (_watches)
        {
            if (!_watches.TryGetValue(agent, out watch!))
            {
                watch = new Watch(this, agent);
                _watches[agent] = watch;
            }

            watch.Leases++;
            notice = watch.Generation; // from now on: a notice that comes while the subscription still opens counts too
        }

        try
        {
            await watch.Opened.WaitAsync(ct).ConfigureAwait(false);
        }
        catch
        {
            Leave(watch);
            throw;
        }

        return new Lease(watch, notice);
    }

    private void Leave(Watch watch)
    {
        lock (_watches)
        {
            if (--watch.Leases > 0)
            {
                return;
            }

            if (_watches.TryGetValue(watch.Agent, out var current) && current == watch)
            {
                _watches.Remove(watch.Agent);
            }
        }

        _ = watch.CloseAsync();
    }

    /// <summary>One call's hold on an agent's watch.</summary>
    internal sealed class Lease(Watch watch, Task<byte[]?> notice) : IDisposable
    {
        /// <summary>Completes with the body of the first death notice after the call joined; never fails.</summary>
        public Task<byte[]?> Notice { get; } = notice;

        public void Dispose() => watch.Owner.Leave(watch);
    }

    /// <summary>One agent's subscription and the generation of notices its calls wait on.</summary>
    internal sealed class Watch
    {
        private readonly object _gate = new();
        private TaskCompletionSource<byte[]?> _generation = NewGeneration();
        private Task? _reading;

        public Watch(DeathWatches owner, string agent)
        {
            Owner = owner;
            Agent = agent;
            Opened = OpenAsync();
        }

        public DeathWatches Owner { get; }

        public string Agent { get; }

        /// <summary>Guarded by the owner's lock.</summary>
        public int Leases { get; set; }

        public Task<INatsSub<byte[]>> Opened { get; }

        public Task<byte[]?> Generation
        {
            get
            {
                lock (_gate)
                {
                    return _generation.Task;
                }
            }
        }

        private async Task<INatsSub<byte[]>> OpenAsync()
        {
            // Not a call's token: the subscription outlives the call that opened it.
            var subscription = await Owner._connection.SubscribeCoreAsync(MeshSubjects.Death(Agent), serializer: Raw, cancellationToken: CancellationToken.None).ConfigureAwait(false);
            _reading = Task.Run(() => ReadAsync(subscription), CancellationToken.None);
            return subscription;
        }

        private async Task ReadAsync(INatsSub<byte[]> subscription)
        {
            await foreach (var msg in subscription.Msgs.ReadAllAsync().ConfigureAwait(false))
            {
                TaskCompletionSource<byte[]?> ended;
                lock (_gate)
                {
                    ended = _generation;
                    _generation = NewGeneration();
                }

                ended.TrySetResult(msg.Data);
            }
        }

        /// <summary>Unsubscribes once the last call has left (after the subscription opened, if it still was opening).</summary>
        public async Task CloseAsync()
        {
            try
            {
                var subscription = await Opened.ConfigureAwait(false);
                await subscription.DisposeAsync().ConfigureAwait(false);
                if (_reading is { } reading)
                {
                    await reading.ConfigureAwait(false);
                }
            }
            catch (Exception)
            {
                // Never opened, or the connection closed under it: nothing is left to close.
            }
        }

        // The calls' continuations run on the thread pool, not on the notice's reader.
        private static TaskCompletionSource<byte[]?> NewGeneration() => new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
