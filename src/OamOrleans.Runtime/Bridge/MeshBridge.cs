using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using NATS.Net;
using Orleans.Runtime;
using OamOrleans.Client;
using OamOrleans.Hosting;
using OamOrleans.Protocol;

namespace OamOrleans.Bridge;

/// <summary>
/// Maps <c>mesh.agent.{name}</c> (queue group <c>q.{name}</c>) to agent grains. Starts taking traffic only once the
/// silo is Active and registers the agents eagerly; on stop it leaves the queue groups, drains in-flight requests, ends
/// the publishers, then deregisters with the survivor rule — all before grains deactivate. Messages are dispatched
/// concurrently on the thread pool, bounded by <see cref="MeshHostOptions.MaxConcurrentRequests"/>.
/// </summary>
internal sealed partial class MeshBridge : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private readonly SiloMeshConnection _mesh;
    private readonly AgentCatalog _agents;
    private readonly AgentInvoker _invoker;
    private readonly MeshPublisher _publisher;
    private readonly ObservabilityGate _logs;
    private readonly AgentSources _sources;
    private readonly AgentGates _gates;
    private readonly RequestShedder _shedder;
    private readonly MeshHostOptions _options;
    private readonly ILogger<MeshBridge> _logger;
    private readonly SemaphoreSlim _slots;
    private readonly List<(MeshRequestSubscription Sub, Task Loop)> _subscriptions = [];
    private TaskCompletionSource? _drained;
    private volatile bool _stopping;
    private int _inFlight;
    private MeshRegistry? _registry;

    public MeshBridge(SiloMeshConnection mesh, AgentCatalog agents, AgentInvoker invoker, MeshPublisher publisher, ObservabilityGate logs, AgentSources sources, AgentGates gates, RequestShedder shedder, IOptions<MeshHostOptions> options, ILogger<MeshBridge> logger)
    {
        _shedder = shedder;
        _sources = sources;
        _gates = gates;
        _mesh = mesh;
        _agents = agents;
        _invoker = invoker;
        _publisher = publisher;
        _logs = logs;
        _options = options.Value;
        _logger = logger;
        _slots = new SemaphoreSlim(_options.MaxConcurrentRequests);
    }

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(MeshBridge), ServiceLifecycleStage.Active, StartAsync, StopAsync);

    private async Task StartAsync(CancellationToken ct)
    {
        var connection = _mesh.Connection;
        // Get-or-create every bucket, as every reference SDK instance does on connect (§4.4).
        var kv = connection.CreateKeyValueStoreContext();
        foreach (var bucket in MeshBuckets.KeyValue)
        {
            await RetryAsync(bucket, "(get-or-create)", async c => await MeshStores.GetOrCreateKeyValueAsync(kv, bucket, c), ct);
        }

        var obj = connection.CreateJetStreamContext().CreateObjectStoreContext();
        await RetryAsync(MeshBuckets.Artifacts, "(get-or-create)", async c => await MeshStores.GetOrCreateObjectStoreAsync(obj, MeshBuckets.Artifacts, c), ct);
        await _logs.StartAsync(_mesh, ct);
        _registry = await MeshStartRetry.RunAsync(_logger, _options.StartRetryMaxDelay, MeshBuckets.Catalog, "(open registry stores)", c => MeshRegistry.OpenAsync(connection, c), ct);
        foreach (var agent in _agents.All)
        {
            // Bring the agent online first (§4.3), then announce it.
            if (agent.Gate is not null)
            {
                // A gated agent comes online when its gate opens (AgentGates, started below).
            }
            else if (agent.Invocable)
            {
                var sub = await MeshRequestSubscription.SubscribeAsync(connection, MeshSubjects.Agent(agent.Name), MeshSubjects.QueueGroup(agent.Name),
                    _shedder.QueueCapacity, msg => _shedder.ShedAsync(agent, msg), ct);
                _subscriptions.Add((sub, Task.Run(() => ReceiveLoopAsync(agent, sub), CancellationToken.None)));
            }
            else if (agent.Kind == AgentKind.Publisher)
            {
                await _invoker.Publisher(agent, _mesh.InstanceId).StartAsync();
            }

            var registry = _registry;
            await RetryAsync(MeshBuckets.Registry, agent.Name, c => registry.PutContractAsync(agent.Contract, c), ct);
            await RetryAsync(MeshBuckets.Catalog, CatalogDocument.Key, c => registry.AddToCatalogAsync(agent.Contract, c), ct);
            await _logs.PublishAsync(agent.Name, LogEvent.Info, "agent_registered", "", $"Agent '{agent.Name}' registered");
            await (agent.Gate is null ? _sources.StartAsync(agent, ct) : _gates.StartAsync(agent, DispatchGatedAsync, ct));
        }

        if (_mesh.Agents.Count > 0)
        {
            await RetryAsync(MeshBuckets.Instances, _mesh.InstanceId, c => _registry.PutInstanceAsync(_mesh.InstanceId, _mesh.Agents, c), ct);
        }

        // Only now, registered, does the silo report itself serving.
        connection.ConnectionOpened += ReregisterAsync;
        LogStarted(_logger, _mesh.Agents.Count, string.Join(", ", _mesh.Agents), MeshConnectWait.Redact(_mesh.Endpoint.Url), _mesh.InstanceId);
    }

    private Task RetryAsync(string bucket, string key, Func<CancellationToken, ValueTask> operation, CancellationToken ct) =>
        MeshStartRetry.RunAsync(_logger, _options.StartRetryMaxDelay, bucket, key, operation, ct);

    /// <summary>
    /// NATS.Net reconnects by itself, but while we were away a health monitor saw our connection drop and deregistered
    /// us (§4.6): put the records back so callers find the agents again.
    /// </summary>
    private async ValueTask ReregisterAsync(object? sender, NatsEventArgs args)
    {
        try
        {
            foreach (var agent in _agents.All)
            {
                await _registry!.RegisterAsync(agent.Contract);
            }

            if (_mesh.Agents.Count > 0)
            {
                await _registry!.PutInstanceAsync(_mesh.InstanceId, _mesh.Agents);
            }

            LogReregistered(_logger, _mesh.Agents.Count);
        }
        catch (Exception e)
        {
            LogReregisterFailed(_logger, e);
        }
    }

    private async Task StopAsync(CancellationToken ct)
    {
        _stopping = true;
        _mesh.Connection.ConnectionOpened -= ReregisterAsync;
        foreach (var agent in _agents.All)
        {
            await _logs.PublishAsync(agent.Name, LogEvent.Info, "agent_deregistered", "", $"Agent '{agent.Name}' deregistered");
        }

        // 1. Leave the queue groups: other silos take new requests from here on.
        foreach (var (sub, _) in _subscriptions)
        {
            await sub.LeaveAsync(_options.DeregisterTimeout);
        }

        await Task.WhenAll(_subscriptions.Select(s => s.Loop));
        await _gates.StopAllAsync();
        await _sources.StopAllAsync();

        // 2. Drain what is already running, and end the publishers with their end frames.
        var drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _drained, drained);
        if (Volatile.Read(ref _inFlight) == 0)
        {
            drained.TrySetResult();
        }

        if (await Task.WhenAny(drained.Task, Task.Delay(_options.DrainTimeout, ct)) != drained.Task)
        {
            LogDrainTimeout(_logger, Volatile.Read(ref _inFlight), _options.DrainTimeout);
        }

        foreach (var agent in _agents.All.Where(a => a.Kind == AgentKind.Publisher))
        {
            await _invoker.Publisher(agent, _mesh.InstanceId).StopAsync();
        }

        // 3. Deregister with the survivor rule (§4.3), bounded: a mesh that is already gone must not hold up the stop.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(_options.DeregisterTimeout);
        try
        {
            await DeregisterAsync(deadline.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or NatsException)
        {
            LogDeregisterFailed(_logger, e, _options.DeregisterTimeout);
        }

        await _logs.DisposeAsync();
        LogStopped(_logger, _mesh.InstanceId);
    }

    private async Task DeregisterAsync(CancellationToken ct)
    {
        if (_registry is { } registry && _mesh.Agents.Count > 0)
        {
            await registry.DeleteInstanceAsync(_mesh.InstanceId, ct);
            var survivors = await registry.ServedAgentsAsync(ct);
            foreach (var agent in _mesh.Agents.Where(a => !survivors.Contains(a)))
            {
                await registry.DeregisterAsync(agent, ct);
                await registry.PublishDeathAsync(new DeathNotice(agent, DeathNotice.GracefulShutdown, MeshIds.Now(), _mesh.InstanceId), ct);
            }
        }

        await _mesh.Connection.PingAsync(ct);
    }

    public void Dispose() => _slots.Dispose();

    /// <summary>The most requests for a stateless agent sent to its grain in one call.</summary>
    internal const int MaxBatch = 32;

    private async Task ReceiveLoopAsync(AgentDescriptor agent, MeshRequestSubscription sub)
    {
        // Dispatch inline, not through Task.Run: DispatchAsync runs on this loop only up to its first real await (the
        // grain call, or a reply that must wait for the socket), then the loop takes the next message. Concurrency
        // stays bounded by the slots, and drain still counts every dispatched request.
        // A stateless agent's requests that are already waiting (never waited for) go to its grain in one call, up to
        // MaxBatch, while its calls are fast (BatchGauge); each still takes a slot of its own and is answered on its own.
        var batchable = agent.Kind is AgentKind.Responder or AgentKind.Trigger && !agent.Conversational && !agent.Streaming;
        var gauge = batchable ? new BatchGauge() : null;
        var batch = batchable ? new MeshRequest[MaxBatch] : null;
        var reader = sub.Requests;
        while (await reader.WaitToReadAsync())
        {
            while (reader.TryRead(out var msg))
            {
                if (!_slots.Wait(0))
                {
                    await _slots.WaitAsync();
                }

                Interlocked.Increment(ref _inFlight);
                if (batch is null || !gauge!.Batching)
                {
                    _ = DispatchAsync(agent, msg, gauge);
                    continue;
                }

                var count = 0;
                batch[count++] = msg;
                while (count < MaxBatch && _slots.Wait(0))
                {
                    if (!reader.TryRead(out var next))
                    {
                        _slots.Release();
                        break;
                    }

                    Interlocked.Increment(ref _inFlight);
                    batch[count++] = next;
                }

                _ = count == 1 ? DispatchAsync(agent, msg, gauge) : DispatchBatchAsync(agent, batch.AsSpan(0, count).ToArray(), gauge);
                Array.Clear(batch, 0, count);
            }
        }

        if (!_stopping)
        {
            // NATS.Net ends a subscription on its own only on an error: say so, the agent is no longer served from here.
            LogSubscriptionEnded(_logger, sub.Exception, agent.Name, sub.EndReason);
        }
    }

    /// <summary>Dispatches a request a gated agent's own subscription received (<see cref="AgentGates"/>), with the same slots and drain count.</summary>
    private async Task DispatchGatedAsync(AgentDescriptor agent, MeshRequest msg)
    {
        await _slots.WaitAsync();
        Interlocked.Increment(ref _inFlight);
        await DispatchAsync(agent, msg);
    }

    private async Task DispatchAsync(AgentDescriptor agent, MeshRequest msg, BatchGauge? gauge = null)
    {
        var answer = new Answer(msg);
        try
        {
            await HandleAsync(agent, msg, answer, gauge);
        }
        catch (Exception e)
        {
            await FailAsync(agent, answer, e);
        }
        finally
        {
            Done();
        }
    }

    /// <summary>
    /// The dispatch path's guarantee: whatever went wrong in the bridge's own code after a request was received, a
    /// request that has not been answered yet gets <c>handler_error</c> on its stream or reply subject (and the dead
    /// letter), so a caller never waits for an answer that will not come.
    /// </summary>
    private async Task FailAsync(AgentDescriptor agent, Answer answer, Exception exception)
    {
        LogDispatchFailed(_logger, exception, agent.Name);
        if (answer.Sent)
        {
            return;
        }

        var msg = answer.Request;
        var requestId = msg.RequestId ?? "";
        var envelope = new ErrorEnvelope(MeshErrorCodes.HandlerError, $"Agent '{agent.Name}' could not handle the request: {exception.GetType().Name}: {exception.Message}", agent.Name, requestId);
        try
        {
            answer.Sent = true;
            await _publisher.ErrorAsync(envelope, requestId, StreamSubjectOf(msg.Stream, requestId) is null ? msg.ReplyTo : null, StreamSubjectOf(msg.Stream, requestId), msg.Conversation);
        }
        catch (Exception e)
        {
            LogFallbackFailed(_logger, e, agent.Name);
        }
    }

    /// <summary>Where a stream request's frames go, or null when it is not a stream or its request id makes no valid subject (§5.4's rule).</summary>
    private static string? StreamSubjectOf(bool stream, string requestId) =>
        stream && AgentName.IsValid(requestId) ? MeshSubjects.Stream(requestId) : null;

    /// <summary>Whether a request's caller has had its answer: the reply, the error, or (streams) the terminal frame.</summary>
    private sealed class Answer(MeshRequest request)
    {
        public MeshRequest Request { get; } = request;

        public bool Sent { get; set; }
    }

    /// <summary>Frees a dispatched request's slot and drain count.</summary>
    private void Done()
    {
        _slots.Release();
        if (Interlocked.Decrement(ref _inFlight) == 0)
        {
            Volatile.Read(ref _drained)?.TrySetResult();
        }
    }

    /// <summary>
    /// Handles requests for one stateless agent that arrived together: each is received and checked as
    /// <see cref="HandleAsync"/> does, the accepted ones go to the grain in one call, then each is answered and logged on
    /// its own, exactly as if it had come alone (and frees its own slot).
    /// </summary>
    private async Task DispatchBatchAsync(AgentDescriptor agent, MeshRequest[] msgs, BatchGauge gauge)
    {
        var handedOff = new bool[msgs.Length]; // those with CompleteOneAsync, which answers them and frees their slots
        var answers = Array.ConvertAll(msgs, m => new Answer(m));
        try
        {
            // Received in order; a refused one is answered at once, as it would be alone.
            var inbound = new Inbound[msgs.Length];
            var replies = new Task[msgs.Length];
            var accepted = 0;
            for (var i = 0; i < msgs.Length; i++)
            {
                inbound[i] = await ReceiveAsync(agent, msgs[i]);
                if (inbound[i].Refused is { } refused)
                {
                    handedOff[i] = true;
                    replies[i] = CompleteOneAsync(agent, answers[i], inbound[i], refused);
                }
                else
                {
                    accepted++;
                }
            }

            var requests = new AgentRequest[accepted];
            for (int i = 0, j = 0; i < msgs.Length; i++)
            {
                if (inbound[i].Refused is null)
                {
                    requests[j++] = new AgentRequest(inbound[i].Body, inbound[i].RequestId, inbound[i].ConversationKey, Validated: true);
                }
            }

            var called = Stopwatch.GetTimestamp();
            var responses = accepted switch
            {
                0 => [],
                1 => [await _invoker.InvokePreparedAsync(agent, requests[0].Body, requests[0].RequestId, requests[0].ConversationId)],
                _ => await _invoker.InvokePreparedBatchAsync(agent, requests),
            };
            if (accepted > 0)
            {
                gauge.Record(called, accepted);
            }

            for (int i = 0, j = 0; i < msgs.Length; i++)
            {
                if (inbound[i].Refused is null)
                {
                    handedOff[i] = true;
                    replies[i] = CompleteOneAsync(agent, answers[i], inbound[i], responses[j++]);
                }
            }

            await Task.WhenAll(replies.Where(r => r is not null));
        }
        catch (Exception e)
        {
            // Those not handed off yet are answered here; the others by CompleteOneAsync.
            for (var i = 0; i < msgs.Length; i++)
            {
                if (!handedOff[i])
                {
                    await FailAsync(agent, answers[i], e);
                }
            }
        }
        finally
        {
            foreach (var handed in handedOff)
            {
                if (!handed)
                {
                    Done();
                }
            }
        }
    }

    private async Task CompleteOneAsync(AgentDescriptor agent, Answer answer, Inbound request, AgentResponse response)
    {
        try
        {
            await CompleteAsync(agent, answer, request, response);
        }
        catch (Exception e)
        {
            await FailAsync(agent, answer, e);
        }
        finally
        {
            Done();
        }
    }

    /// <summary>Processes one request in the reference's order (§3.4): shape check, validation, handler, reply, logs.</summary>
    private async Task HandleAsync(AgentDescriptor agent, MeshRequest msg, Answer answer, BatchGauge? gauge)
    {
        var request = await ReceiveAsync(agent, msg);
        var response = request.Refused;
        if (response is null && request.Stream)
        {
            response = await _invoker.StreamAsync(agent, request.Body, request.RequestId, request.ConversationKey, _options.StreamTimeout);
            if (!AgentInvoker.IsUnreached(response))
            {
                // The grain has already published the stream's frames, its end or error frame, and the dead letter.
                answer.Sent = true;
                await AfterAsync(agent, request.RequestId, request.Started, response, routed: true);
                return;
            }
        }

        if (response is null)
        {
            var called = Stopwatch.GetTimestamp();
            response = await _invoker.InvokePreparedAsync(agent, request.Body, request.RequestId, request.ConversationKey);
            gauge?.Record(called, 1);
        }

        await CompleteAsync(agent, answer, request, response);
    }

    /// <summary>A received request: its headers and body, and the error to answer if the checks refused it.</summary>
    private readonly record struct Inbound(long Started, string RequestId, string? Conversation, bool Stream, byte[] Body, string ConversationKey, AgentResponse? Refused);

    /// <summary>Reads a request's headers, logs its arrival, and runs the checks and validation.</summary>
    private async ValueTask<Inbound> ReceiveAsync(AgentDescriptor agent, MeshRequest msg)
    {
        var started = Stopwatch.GetTimestamp();
        var requestId = msg.RequestId ?? "";
        var conversation = msg.Conversation;
        var stream = msg.Stream;
        var body = msg.Body;
        await _logs.PublishAsync(agent.Name, LogEvent.Debug, "request_received", requestId, "");

        var conversationKey = AgentInvoker.DefaultConversation;
        var refused = Refuse(agent, stream, requestId, body) ?? _invoker.Prepare(agent, body, conversation, out conversationKey);
        return new Inbound(started, requestId, conversation, stream, body, conversationKey, refused);
    }

    /// <summary>Replies to a request (or routes its error), then publishes the usage and completion log events.</summary>
    private async Task CompleteAsync(AgentDescriptor agent, Answer answer, Inbound request, AgentResponse response)
    {
        var msg = answer.Request;
        if (!response.IsError && msg.ReplyTo is { } replyTo)
        {
            if (response.Body.Length > _publisher.MaxBody)
            {
                response = AgentResponse.Error(MeshErrorCodes.HandlerError,
                    $"Agent '{agent.Name}' produced a reply of {response.Body.Length} bytes, over the server's max_payload of {_publisher.MaxBody + 1024} bytes");
            }
            else
            {
                await _publisher.ReplyAsync(replyTo, agent.Name, request.RequestId, request.Conversation, response.Body, response.Usage);
                answer.Sent = true;
            }
        }

        await AfterAsync(agent, request.RequestId, request.Started, response, routed: false, msg.ReplyTo, request.Stream, request.Conversation, answer);
    }

    /// <summary>The checks made before validation: verb against shape (both ways), size, and a stream's request id.</summary>
    private AgentResponse? Refuse(AgentDescriptor agent, bool stream, string requestId, byte[] body)
    {
        if (stream && !agent.Streaming)
        {
            return AgentResponse.Error(MeshErrorCodes.InvocationMismatch, $"Agent '{agent.Name}' does not support streaming. Use call() instead");
        }

        if (!stream && agent.Streaming)
        {
            return AgentResponse.Error(MeshErrorCodes.InvocationMismatch, $"Agent '{agent.Name}' is streaming-only. Use stream() instead");
        }

        if (stream && StreamSubjectOf(stream, requestId) is null)
        {
            // The reference would publish to an invalid subject such as "mesh.stream." (§12.3); refuse instead.
            var problem = requestId.Length == 0
                ? $"A stream request to agent '{agent.Name}' needs an X-Mesh-Request-Id header"
                : $"The X-Mesh-Request-Id of a stream request to agent '{agent.Name}' must make a valid subject (dot-separated segments of [a-zA-Z0-9_-])";
            return AgentResponse.Error(MeshErrorCodes.InvalidInput, problem, PydanticErrors.At(MeshHeaders.RequestId, "value_error", problem, requestId));
        }

        if (_options.MaxRequestBytes is { } max && body.Length > max)
        {
            var problem = $"Request body of {body.Length} bytes exceeds the limit of {max} bytes for agent '{agent.Name}'";
            return AgentResponse.Error(MeshErrorCodes.InvalidInput, problem, PydanticErrors.At(null, "too_long", problem, null));
        }

        return null;
    }

    /// <summary>Routes an error not yet sent, then publishes the usage and completion log events.</summary>
    private async Task AfterAsync(AgentDescriptor agent, string requestId, long started, AgentResponse response, bool routed, string? replyTo = null, bool stream = false, string? conversation = null, Answer? answer = null)
    {
        if (response.IsError && !routed)
        {
            var details = JsonDocument.Parse(response.Body).RootElement.Clone();
            var envelope = new ErrorEnvelope(response.ErrorCode!, response.ErrorMessage ?? "", agent.Name, requestId, details);
            var streamSubject = StreamSubjectOf(stream, requestId);
            await _publisher.ErrorAsync(envelope, requestId, streamSubject is null ? replyTo : null, streamSubject, conversation);
            answer?.Sent = true;
        }

        if (response.Usage is { } usage)
        {
            await _logs.PublishAsync(agent.Name, LogEvent.Info, "usage_reported", requestId, "", w =>
            {
                using var doc = JsonDocument.Parse(usage);
                foreach (var p in doc.RootElement.EnumerateObject())
                {
                    p.WriteTo(w);
                }
            });
        }

        if (response.IsError)
        {
            var code = response.ErrorCode!;
            var @event = code == MeshErrorCodes.InvalidInput ? "validation_error" : "request_failed";
            await _logs.PublishAsync(agent.Name, LogEvent.Warn, @event, requestId, response.ErrorMessage ?? "", w => w.WriteString("code", code));
            LogAgentError(_logger, agent.Name, code, response.ErrorMessage ?? "");
        }
        else
        {
            if (!_logs.IsEnabled(agent.Name, LogEvent.Debug))
            {
                return; // Checked first: the message and its data closure are not built for a gated-off event.
            }

            var ms = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            await _logs.PublishAsync(agent.Name, LogEvent.Debug, "request_completed", requestId, $"Request completed in {ms}ms", w => w.WriteNumber("duration_ms", ms));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Mesh host started: {Count} agent(s) [{Agents}] on {Url}, instance {InstanceId}")]
    private static partial void LogStarted(ILogger logger, int count, string agents, string url, string instanceId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reconnected to NATS: re-registered {Count} agent(s)")]
    private static partial void LogReregistered(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Reconnected to NATS but re-registering the agents failed")]
    private static partial void LogReregisterFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not deregister from the mesh within {Timeout}; a health monitor will clean up after this host")]
    private static partial void LogDeregisterFailed(ILogger logger, Exception exception, TimeSpan timeout);

    [LoggerMessage(Level = LogLevel.Information, Message = "Mesh host stopped: instance {InstanceId} deregistered")]
    private static partial void LogStopped(ILogger logger, string instanceId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Drain timed out with {Count} request(s) still running after {Timeout}")]
    private static partial void LogDrainTimeout(ILogger logger, int count, TimeSpan timeout);

    [LoggerMessage(Level = LogLevel.Error, Message = "The subscription of agent '{Agent}' ended ({Reason}): this silo no longer serves it")]
    private static partial void LogSubscriptionEnded(ILogger logger, Exception? exception, string agent, NatsSubEndReason reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Dispatching a request to agent '{Agent}' failed")]
    private static partial void LogDispatchFailed(ILogger logger, Exception exception, string agent);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not send the error answer of a failed request to agent '{Agent}'")]
    private static partial void LogFallbackFailed(ILogger logger, Exception exception, string agent);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Agent '{Agent}' answered {Code}: {Message}")]
    private static partial void LogAgentError(ILogger logger, string agent, string code, string message);
}
