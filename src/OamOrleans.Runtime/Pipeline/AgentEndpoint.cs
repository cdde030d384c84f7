using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using OamOrleans.Bridge;
using OamOrleans.Protocol;

namespace OamOrleans.Pipeline;

/// <summary>
/// One agent on NATS: its subscription to <c>mesh.agent.{name}</c> in queue group <c>q.{name}</c>, the receive loop that
/// hands requests to the <see cref="RequestPipeline"/> under the silo's <see cref="RequestSlots"/>, batching for fast
/// stateless agents, shedding when its queue is full (<see cref="RequestShedder"/>), and the drain when it closes. Gated
/// and ungated agents use it alike; a gate only opens and closes it.
/// </summary>
internal sealed partial class AgentEndpoint(AgentDescriptor agent, SiloMeshConnection mesh, RequestSlots slots, RequestShedder shedder, RequestPipeline pipeline, ILogger logger)
{
    /// <summary>The most requests for a stateless agent sent to its grain in one call.</summary>
    internal const int MaxBatch = 32;

    private MeshRequestSubscription? _subscription;
    private Task? _receive;
    private int _inFlight;
    private TaskCompletionSource? _drained;
    private volatile bool _closing;

    /// <summary>The agent served; a dynamic agent's is replaced when its contract changes.</summary>
    public AgentDescriptor Agent { get; set; } = agent;

    public bool IsOpen => _subscription is not null;

    /// <summary>The agent's counts on this silo for its heartbeat: requests over NATS and inside the cluster alike.</summary>
    public AgentHealthCounters Health => Agent.Health;

    /// <summary>Requests running now.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Requests received and waiting for a slot now.</summary>
    public int Queued => _subscription?.Requests is { CanCount: true } queue ? queue.Count : 0;

    /// <summary>Open, not closing, and its receive loop still runs (NATS.Net ends a subscription on its own only on an error).</summary>
    public bool IsServing => !_closing && _subscription is not null && _receive is { IsCompleted: false };

    /// <summary>Subscribes; requests flow once this returns (the server has the SUB).</summary>
    public async Task OpenAsync(CancellationToken ct)
    {
        if (_subscription is not null)
        {
            return;
        }

        _closing = false;
        var sub = await MeshRequestSubscription.SubscribeAsync(mesh.Connection, MeshSubjects.Agent(Agent.Name), MeshSubjects.QueueGroup(Agent.Name),
            shedder.QueueCapacity, msg => { Health.Shed(); return shedder.ShedAsync(Agent, msg); }, pipeline.HasMiddleware, ct);
        _subscription = sub;
        _receive = Task.Run(() => ReceiveAsync(sub), CancellationToken.None);
    }

    /// <summary>
    /// Leaves the queue group (requests already on their way are still taken, bounded by <paramref name="leaveTimeout"/>),
    /// then waits up to <paramref name="drainTimeout"/> for the requests in flight. False when some were still running.
    /// </summary>
    public async Task<bool> CloseAsync(TimeSpan leaveTimeout, TimeSpan drainTimeout)
    {
        if (_subscription is not { } sub)
        {
            return true;
        }

        _closing = true;
        await sub.LeaveAsync(leaveTimeout, logger);
        await _receive!;
        _subscription = null;
        _receive = null;

        var drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _drained, drained);
        if (Volatile.Read(ref _inFlight) == 0)
        {
            drained.TrySetResult();
        }

        var done = await Task.WhenAny(drained.Task, Task.Delay(drainTimeout)) == drained.Task;
        if (!done)
        {
            // The requests still running finish on their own and are answered; only the wait ends here.
            LogDrainTimeout(logger, Agent.Name, Volatile.Read(ref _inFlight), drainTimeout);
        }

        Volatile.Write(ref _drained, null);
        return done;
    }

    private async Task ReceiveAsync(MeshRequestSubscription sub)
    {
        // Requests run inline up to their first real await (the grain call, or a reply that must wait for the socket),
        // then the loop takes the next one: concurrency is bounded by the slots, and the drain counts every request.
        // A stateless agent's requests that are already waiting go to its grain in one call, up to MaxBatch, while its
        // calls are fast (BatchGauge); each still takes a slot of its own and is answered on its own.
        var batchable = Agent.Kind is AgentKind.Responder or AgentKind.Trigger && !Agent.Conversational && Agent.Handler is null;
        var gauge = batchable ? new BatchGauge() : null;
        var limits = pipeline.Limits;
        var reader = sub.Requests;
        while (await reader.WaitToReadAsync())
        {
            while (reader.TryRead(out var msg))
            {
                await slots.TakeAsync();
                Interlocked.Increment(ref _inFlight);
                if (gauge is null || !gauge.Batching || !slots.TryTake())
                {
                    _ = RunAsync(Call(msg, limits), gauge);
                    continue;
                }

                if (!reader.TryRead(out var next))
                {
                    slots.Release();
                    _ = RunAsync(Call(msg, limits), gauge);
                    continue;
                }

                Interlocked.Increment(ref _inFlight);
                var batch = new List<AgentCall>(MaxBatch) { Call(msg, limits), Call(next, limits) };
                while (batch.Count < MaxBatch && slots.TryTake())
                {
                    if (!reader.TryRead(out next))
                    {
                        slots.Release();
                        break;
                    }

                    Interlocked.Increment(ref _inFlight);
                    batch.Add(Call(next, limits));
                }

                _ = RunBatchAsync([.. batch], gauge);
            }
        }

        if (!_closing)
        {
            // NATS.Net ends a subscription on its own only on an error: say so, the agent is no longer served from here.
            LogSubscriptionEnded(logger, sub.Exception, Agent.Name, sub.EndReason);
        }
    }

    private AgentCall Call(MeshRequest msg, RequestLimits limits) => AgentCall.FromNats(Agent, msg, limits);

    private async Task RunAsync(AgentCall call, BatchGauge? gauge)
    {
        try
        {
            await pipeline.RunAsync(call, gauge);
        }
        finally
        {
            Done(1);
        }
    }

    private async Task RunBatchAsync(AgentCall[] calls, BatchGauge gauge)
    {
        try
        {
            await pipeline.RunBatchAsync(calls, gauge);
        }
        finally
        {
            Done(calls.Length);
        }
    }

    /// <summary>Frees finished requests' slots and drain count.</summary>
    private void Done(int requests)
    {
        slots.Release(requests);
        if (Interlocked.Add(ref _inFlight, -requests) == 0)
        {
            Volatile.Read(ref _drained)?.TrySetResult();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Agent '{Agent}' closed with {Count} request(s) still running after {Timeout}; they finish on their own")]
    private static partial void LogDrainTimeout(ILogger logger, string agent, int count, TimeSpan timeout);

    [LoggerMessage(Level = LogLevel.Error, Message = "The subscription of agent '{Agent}' ended ({Reason}): this silo no longer serves it")]
    private static partial void LogSubscriptionEnded(ILogger logger, Exception? exception, string agent, NatsSubEndReason reason);
}
