using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using NATS.Client.Core;
using NATS.Client.KeyValueStore;
using NATS.Net;
using Orleans.Runtime;
using OamOrleans.Client;
using OamOrleans.Internal;
using OamOrleans.Pipeline;
using OamOrleans.Protocol;

namespace OamOrleans.Bridge;

/// <summary>
/// Runs the sources of this silo's agents (§7.2, <see cref="SubjectSourceAttribute"/>, <see cref="KvSourceAttribute"/>):
/// a core NATS subscription (in the declared queue group, if any) or a <c>mesh-context</c> watch per source, each
/// handing its deliveries one at a time to a local activation of the agent. Source-only agents get them through
/// <see cref="ISourceAgentGrain"/>; responders through the request pipeline, as a call (the output is dropped).
/// Failures are only logged. The sources of an ungated agent run while the silo is Active; those of a gated agent
/// while its gate is open.
/// </summary>
internal sealed partial class AgentSources(SiloMeshConnection mesh, RequestPipeline pipeline, IGrainFactory grains, ILogger<AgentSources> logger)
{
    private readonly ConcurrentDictionary<string, Running> _running = new(StringComparer.Ordinal);

    /// <summary>Starts the sources of <paramref name="agent"/>; returns once they are subscribed and the KV watches have read the current values.</summary>
    public async Task StartAsync(AgentDescriptor agent, CancellationToken ct)
    {
        if (!agent.HasSources || _running.ContainsKey(agent.Name))
        {
            return;
        }

        var running = new Running(agent);
        _running[agent.Name] = running;
        var connection = mesh.Connection;
        foreach (var source in agent.SubjectSources)
        {
            var sub = await connection.SubscribeCoreAsync<byte[]>(source.Subject, source.QueueGroup, serializer: NatsRawSerializer<byte[]>.Default, cancellationToken: ct);
            running.Subscriptions.Add(sub);
            running.Loops.Add(Task.Run(() => ReceiveAsync(agent, sub), CancellationToken.None));
        }

        if (agent.KvSources.Count > 0)
        {
            var store = await MeshStores.GetOrCreateKeyValueAsync(connection.CreateKeyValueStoreContext(), MeshBuckets.Context, ct);
            var ready = new List<Task>();
            foreach (var source in agent.KvSources)
            {
                var watchReady = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                ready.Add(watchReady.Task);
                running.Loops.Add(Task.Run(() => WatchAsync(agent, store, source, watchReady, running.Stop.Token), CancellationToken.None));
            }

            await Task.WhenAll(ready).WaitAsync(TimeSpan.FromSeconds(30), ct);
        }

        await connection.PingAsync(ct); // the subscriptions are on the server before we report ready
    }

    /// <summary>Stops the sources of <paramref name="agent"/>, waiting for the delivery in progress.</summary>
    public async Task StopAsync(AgentDescriptor agent)
    {
        if (!_running.TryRemove(agent.Name, out var running))
        {
            return;
        }

        foreach (var sub in running.Subscriptions)
        {
            await sub.UnsubscribeAsync();
        }

        await running.Stop.CancelAsync();
        await Task.WhenAll(running.Loops);
        running.Stop.Dispose();
    }

    public async Task StopAllAsync()
    {
        foreach (var running in _running.Values.ToArray())
        {
            await StopAsync(running.Agent);
        }
    }

    private async Task ReceiveAsync(AgentDescriptor agent, INatsSub<byte[]> sub)
    {
        await foreach (var msg in sub.Msgs.ReadAllAsync())
        {
            Dictionary<string, string>? headers = null;
            if (msg.Headers is { Count: > 0 } h)
            {
                headers = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var (key, values) in h)
                {
                    headers[key] = values.Count > 0 ? values[0] ?? "" : "";
                }
            }

            await DeliverAsync(agent, new SourceDelivery(MeshIds.New(), msg.Subject, msg.Data ?? [], headers));
        }
    }

    private async Task WatchAsync(AgentDescriptor agent, INatsKVStore store, KvSourceAttribute source, TaskCompletionSource ready, CancellationToken ct)
    {
        try
        {
            await KvWatch.RunAsync(store, source.Pattern, async (entry, initial) =>
            {
                // Replay hands over the current values (not the delete markers of keys already gone); skip drops them all.
                if (initial && (!source.Replay || entry.Operation != NatsKVOperation.Put))
                {
                    return;
                }

                var delete = entry.Operation != NatsKVOperation.Put;
                await DeliverAsync(agent, new SourceDelivery(MeshIds.New(), entry.Key, delete ? [] : entry.Value ?? [], null, entry.Revision, IsKv: true, IsDelete: delete));
            }, ready, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The source is stopping: the normal end of the watch, nothing to report.
        }
        catch (Exception e)
        {
            LogWatchFailed(logger, e, agent.Name, source.Pattern);
        }
    }

    private async Task DeliverAsync(AgentDescriptor agent, SourceDelivery delivery)
    {
        try
        {
            if (agent.Kind == AgentKind.Source)
            {
                using var activity = StartDeliverySpan(agent, delivery);
                try
                {
                    await grains.GetGrain<ISourceAgentGrain>(GrainId.Create(agent.GrainType, ConversationIds.Default)).DeliverAsync(delivery);
                }
                catch (Exception e) when (MeshDiagnostics.FailAndPass(activity, e))
                {
                    throw;
                }

                return;
            }

            if (delivery.IsDelete)
            {
                return; // a responder's input is the value: there is none
            }

            // A delivery to a responder is a request like any other, minus the NATS part: its output is dropped.
            var call = AgentCall.InCluster(agent, delivery.Data, delivery.Id, conversationId: null, pipeline.Limits.RequestTimeout, CancellationToken.None);
            (call.TraceParent, call.TraceState) = TraceOf(delivery);
            var outcome = await pipeline.RunAsync(call);
            if (outcome.Error is { } error)
            {
                LogDeliveryRefused(logger, agent.Name, delivery.Origin, error.Code, error.Message);
            }
        }
        catch (Exception e)
        {
            LogDeliveryFailed(logger, e, agent.Name, delivery.Origin);
        }
    }

    /// <summary>The publisher's trace context of a subject-source message (read only while a tracer listens).</summary>
    private static (string? Parent, string? State) TraceOf(SourceDelivery delivery) =>
        MeshDiagnostics.Source.HasListeners() && delivery.Headers is { } headers && headers.TryGetValue(MeshDiagnostics.TraceParent, out var parent)
            ? (parent, headers.GetValueOrDefault(MeshDiagnostics.TraceState))
            : (null, null);

    /// <summary>A consumer span for a delivery to a source-only agent, continuing the publisher's trace.</summary>
    private static Activity? StartDeliverySpan(AgentDescriptor agent, SourceDelivery delivery)
    {
        if (!MeshDiagnostics.Source.HasListeners())
        {
            return null;
        }

        var (parent, state) = TraceOf(delivery);
        var activity = parent is not null && ActivityContext.TryParse(parent, state, isRemote: true, out var context)
            ? MeshDiagnostics.Source.StartActivity(agent.Name, ActivityKind.Consumer, context)
            : MeshDiagnostics.Source.StartActivity(agent.Name, ActivityKind.Consumer);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(MeshTags.Agent, agent.Name);
            activity.SetTag(MeshTags.MessageId, delivery.Id);
            activity.SetTag(MeshTags.OperationType, "process");
            if (!delivery.IsKv)
            {
                activity.SetTag(MeshTags.MessagingSystem, MeshTags.Nats);
                activity.SetTag(MeshTags.Destination, delivery.Origin);
            }
        }

        return activity;
    }

    private sealed class Running(AgentDescriptor agent)
    {
        public AgentDescriptor Agent { get; } = agent;

        public List<INatsSub<byte[]>> Subscriptions { get; } = [];

        public List<Task> Loops { get; } = [];

        public CancellationTokenSource Stop { get; } = new();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "KV source '{Pattern}' of agent '{Agent}' stopped watching")]
    private static partial void LogWatchFailed(ILogger logger, Exception exception, string agent, string pattern);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Source delivery from '{Origin}' to agent '{Agent}' failed: {Code}: {Message}")]
    private static partial void LogDeliveryRefused(ILogger logger, string agent, string origin, string code, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Source delivery from '{Origin}' to agent '{Agent}' failed")]
    private static partial void LogDeliveryFailed(ILogger logger, Exception exception, string agent, string origin);
}
