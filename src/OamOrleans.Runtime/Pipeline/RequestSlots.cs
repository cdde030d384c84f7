using Microsoft.Extensions.Options;
using OamOrleans.Hosting;

namespace OamOrleans.Pipeline;

/// <summary>The silo's bound on NATS requests in flight (<see cref="MeshHostOptions.MaxConcurrentRequests"/>), shared by every agent endpoint.</summary>
internal sealed class RequestSlots(IOptions<MeshHostOptions> options) : IDisposable
{
    private readonly SemaphoreSlim _slots = new(options.Value.MaxConcurrentRequests);

    /// <summary>Takes a slot if one is free now.</summary>
    public bool TryTake() => _slots.Wait(0);

    /// <summary>Waits for a slot: while none is free the endpoint reads no more requests (back-pressure).</summary>
    public ValueTask TakeAsync() => _slots.Wait(0) ? ValueTask.CompletedTask : new ValueTask(_slots.WaitAsync());

    public void Release(int count = 1) => _slots.Release(count);

    public void Dispose() => _slots.Dispose();
}
