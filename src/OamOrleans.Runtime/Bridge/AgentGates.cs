using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using NATS.Client.KeyValueStore;
using NATS.Net;
using OamOrleans.Client;
using OamOrleans.Pipeline;
using OamOrleans.Protocol;

namespace OamOrleans.Bridge;

/// <summary>
/// Runs the lifecycle gates of this silo's agents (§7.3, <see cref="ActiveWhenAttribute"/>). A gated agent is registered like any other, but its
/// <c>mesh.agent.{name}</c> subscription (queue group <c>q.{name}</c>), its sources and a publisher's generator exist only
/// while the gate is open. Each silo follows the gate itself; see <see cref="ActiveWhenAttribute"/> for the semantics.
/// Opening and closing is all a gate does: requests go through the agent's <see cref="AgentEndpoint"/> as for any
/// other agent (same slots, batching and drain).
/// </summary>
internal sealed partial class AgentGates(SiloMeshConnection mesh, AgentEndpoints endpoints, AgentSources sources, AgentInvoker invoker, ObservabilityGate logs, ILogger<AgentGates> logger) : IDisposable
{
    private readonly ConcurrentDictionary<string, Gate> _gates = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();

    /// <summary>True when <paramref name="agent"/> has no gate or its gate is open in this silo.</summary>
    public bool IsOpen(AgentDescriptor agent) => agent.Gate is null || (_gates.TryGetValue(agent.Name, out var gate) && gate.IsOpen);

    /// <summary>
    /// Starts following the gate of <paramref name="agent"/>: reads the current value (KV) or takes the initial state
    /// (subject), opens the agent when the gate says so, and returns once that first decision is applied.
    /// </summary>
    public async Task StartAsync(AgentDescriptor agent, CancellationToken ct)
    {
        var attribute = agent.Gate ?? throw new ArgumentException($"Agent '{agent.Name}' has no gate", nameof(agent));
        var gate = new Gate(agent, attribute, attribute.CreateCondition(agent.GrainClass));
        _gates[agent.Name] = gate;
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bool? first = null;

        // Held until the first decision is applied: a change seen meanwhile waits its turn instead of racing it.
        await gate.Lock.WaitAsync(ct);
        try
        {
            if (attribute.Kv is { } key)
            {
                var store = await MeshStores.GetOrCreateKeyValueAsync(mesh.Connection.CreateKeyValueStoreContext(), MeshBuckets.Context, ct);
                gate.Watch = Task.Run(() => WatchKvAsync(gate, store, key, ready, v => first = v), CancellationToken.None);
            }
            else
            {
                var control = await mesh.Connection.SubscribeCoreAsync<byte[]>(attribute.Subject!, serializer: NatsRawSerializer<byte[]>.Default, cancellationToken: ct);
                gate.Watch = Task.Run(() => FollowSubjectAsync(gate, control), CancellationToken.None);
                await mesh.Connection.PingAsync(ct);
                ready.TrySetResult();
            }

            await ready.Task.WaitAsync(TimeSpan.FromSeconds(30), ct);
            await ApplyLockedAsync(gate, first ?? attribute.Initial, ct);
        }
        finally
        {
            gate.Lock.Release();
        }
    }

    /// <summary>At silo stop: stops following the gates; the bridge then closes and drains every endpoint, gated or not.</summary>
    public async Task StopAllAsync()
    {
        await _stop.CancelAsync();
        foreach (var gate in _gates.Values)
        {
            if (gate.Watch is { } watch)
            {
                await watch;
            }
        }
    }

    public void Dispose() => _stop.Dispose();

    private async Task WatchKvAsync(Gate gate, INatsKVStore store, string key, TaskCompletionSource ready, Action<bool> initialDecision)
    {
        try
        {
            await KvWatch.RunAsync(store, key, async (entry, initial) =>
            {
                var open = Evaluate(gate, entry.Operation == NatsKVOperation.Put ? entry.Value ?? [] : null);
                if (initial)
                {
                    initialDecision(open);
                }
                else
                {
                    await ApplyAsync(gate, open, _stop.Token);
                }
            }, ready, _stop.Token);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // The gates are stopping: the normal end of the watch, nothing to report.
        }
        catch (Exception e)
        {
            LogWatchFailed(logger, e, gate.Agent.Name);
        }
    }

    private async Task FollowSubjectAsync(Gate gate, INatsSub<byte[]> control)
    {
        await using var registration = _stop.Token.Register(() => _ = control.UnsubscribeAsync().AsTask());
        try
        {
            await foreach (var msg in control.Msgs.ReadAllAsync())
            {
                await ApplyAsync(gate, Evaluate(gate, msg.Data ?? []), _stop.Token);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // The gates are stopping: the normal end of the watch, nothing to report.
        }
        catch (Exception e)
        {
            LogWatchFailed(logger, e, gate.Agent.Name);
        }
    }

    private bool Evaluate(Gate gate, ReadOnlyMemory<byte>? value)
    {
        try
        {
            return gate.Condition.IsOpen(value);
        }
        catch (Exception e)
        {
            LogConditionFailed(logger, e, gate.Agent.Name);
            return false;
        }
    }

    private async Task ApplyAsync(Gate gate, bool open, CancellationToken ct)
    {
        await gate.Lock.WaitAsync(ct);
        try
        {
            await ApplyLockedAsync(gate, open, ct);
        }
        finally
        {
            gate.Lock.Release();
        }
    }

    private async Task ApplyLockedAsync(Gate gate, bool open, CancellationToken ct)
    {
        try
        {
            if (ct.IsCancellationRequested || open == gate.IsOpen)
            {
                return;
            }

            if (open)
            {
                await OpenAsync(gate, ct);
            }
            else
            {
                await CloseAsync(gate);
                await logs.PublishAsync(gate.Agent.Name, LogEvent.Info, "agent_deactivated", "", $"Agent '{gate.Agent.Name}' deactivated");
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogTransitionFailed(logger, e, gate.Agent.Name, open);
        }
    }

    private async Task OpenAsync(Gate gate, CancellationToken ct)
    {
        var agent = gate.Agent;
        if (agent.Invocable)
        {
            await endpoints.For(agent).OpenAsync(ct);
        }
        else if (agent.Kind == AgentKind.Publisher)
        {
            await invoker.Publisher(agent, mesh.InstanceId).StartAsync();
        }

        await sources.StartAsync(agent, ct);
        gate.IsOpen = true;
        LogOpened(logger, agent.Name);
        await logs.PublishAsync(agent.Name, LogEvent.Info, "agent_activated", "", $"Agent '{agent.Name}' activated");
    }

    /// <summary>Leaves the queue group, waits for the requests in flight (bounded), then stops sources and generator.</summary>
    private async Task CloseAsync(Gate gate)
    {
        var agent = gate.Agent;
        gate.IsOpen = false;
        var drainTimeout = TimeSpan.FromSeconds(gate.Attribute.DrainTimeoutSeconds);
        await endpoints.For(agent).CloseAsync(drainTimeout, drainTimeout);
        await sources.StopAsync(agent);
        if (agent.Kind == AgentKind.Publisher)
        {
            await invoker.Publisher(agent, mesh.InstanceId).StopAsync();
        }

        LogClosed(logger, agent.Name);
    }

    private sealed class Gate(AgentDescriptor agent, ActiveWhenAttribute attribute, IGateCondition condition)
    {
        public AgentDescriptor Agent { get; } = agent;

        public ActiveWhenAttribute Attribute { get; } = attribute;

        public IGateCondition Condition { get; } = condition;

        public SemaphoreSlim Lock { get; } = new(1, 1);

        public volatile bool IsOpen;

        public Task? Watch { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Gate of agent '{Agent}' opened: subscribed")]
    private static partial void LogOpened(ILogger logger, string agent);

    [LoggerMessage(Level = LogLevel.Information, Message = "Gate of agent '{Agent}' closed: unsubscribed")]
    private static partial void LogClosed(ILogger logger, string agent);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Following the gate of agent '{Agent}' failed; the gate stays as it is")]
    private static partial void LogWatchFailed(ILogger logger, Exception exception, string agent);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Gate condition of agent '{Agent}' threw; treated as closed")]
    private static partial void LogConditionFailed(ILogger logger, Exception exception, string agent);

    [LoggerMessage(Level = LogLevel.Error, Message = "Gate of agent '{Agent}' failed to switch (open: {Open})")]
    private static partial void LogTransitionFailed(ILogger logger, Exception exception, string agent, bool open);
}
