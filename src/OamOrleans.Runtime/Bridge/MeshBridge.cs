using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using NATS.Client.Core;
using Orleans.Runtime;
using OamOrleans.Client;
using OamOrleans.Hosting;
using OamOrleans.Protocol;

namespace OamOrleans.Bridge;

/// <summary>
/// Maps <c>mesh.agent.{name}</c> (queue group <c>q.{name}</c>) to agent grains. Starts taking traffic only once the
/// silo is Active and registers the agents eagerly; on stop it leaves the queue groups, drains in-flight requests,
/// then deregisters with the survivor rule — all before grains deactivate. Messages are dispatched concurrently on the
/// thread pool, bounded by <see cref="MeshHostOptions.MaxConcurrentRequests"/>.
/// </summary>
internal sealed partial class MeshBridge : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private readonly SiloMeshConnection _mesh;
    private readonly AgentCatalog _agents;
    private readonly AgentInvoker _invoker;
    private readonly MeshHostOptions _options;
    private readonly ILogger<MeshBridge> _logger;
    private readonly SemaphoreSlim _slots;
    private readonly List<(INatsSub<byte[]> Sub, Task Loop)> _subscriptions = [];
    private TaskCompletionSource? _drained;
    private int _inFlight;
    private MeshRegistry? _registry;

    public MeshBridge(SiloMeshConnection mesh, AgentCatalog agents, AgentInvoker invoker, IOptions<MeshHostOptions> options, ILogger<MeshBridge> logger)
    {
        _mesh = mesh;
        _agents = agents;
        _invoker = invoker;
        _options = options.Value;
        _logger = logger;
        _slots = new SemaphoreSlim(_options.MaxConcurrentRequests);
    }

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(MeshBridge), ServiceLifecycleStage.Active, StartAsync, StopAsync);

    private async Task StartAsync(CancellationToken ct)
    {
        var connection = _mesh.Connection;
        await MeshStores.EnsureAllAsync(connection, ct);
        _registry = await MeshRegistry.OpenAsync(connection, ct);
        var names = new List<string>();
        foreach (var agent in _agents.All)
        {
            var sub = await connection.SubscribeCoreAsync<byte[]>(MeshSubjects.Agent(agent.Name), MeshSubjects.QueueGroup(agent.Name), cancellationToken: ct);
            _subscriptions.Add((sub, Task.Run(() => ReceiveLoopAsync(agent, sub), CancellationToken.None)));
            await _registry.RegisterAsync(agent.Contract, ct);
            names.Add(agent.Name);
        }

        if (names.Count > 0)
        {
            await _registry.PutInstanceAsync(_mesh.InstanceId, names, ct);
        }

        LogStarted(_logger, names.Count, string.Join(", ", names), _mesh.Endpoint.Url, _mesh.InstanceId);
    }

    private async Task StopAsync(CancellationToken ct)
    {
        // 1. Leave the queue groups: other silos take new requests from here on.
        foreach (var (sub, _) in _subscriptions)
        {
            await sub.UnsubscribeAsync();
        }

        await Task.WhenAll(_subscriptions.Select(s => s.Loop));

        // 2. Drain what is already running.
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

        // 3. Deregister with the survivor rule (§4.3).
        if (_registry is { } registry && _subscriptions.Count > 0)
        {
            await registry.DeleteInstanceAsync(_mesh.InstanceId, ct);
            var survivors = await registry.ServedAgentsAsync(ct);
            foreach (var agent in _agents.All.Where(a => !survivors.Contains(a.Name)))
            {
                await registry.DeregisterAsync(agent.Name, ct);
                await registry.PublishDeathAsync(new DeathNotice(agent.Name, DeathNotice.GracefulShutdown, MeshIds.Now(), _mesh.InstanceId), ct);
            }

            await _mesh.Connection.PingAsync(ct);
        }

        LogStopped(_logger, _mesh.InstanceId);
    }

    public void Dispose() => _slots.Dispose();

    private async Task ReceiveLoopAsync(AgentDescriptor agent, INatsSub<byte[]> sub)
    {
        await foreach (var msg in sub.Msgs.ReadAllAsync())
        {
            await _slots.WaitAsync();
            Interlocked.Increment(ref _inFlight);
            _ = Task.Run(() => DispatchAsync(agent, msg));
        }
    }

    private async Task DispatchAsync(AgentDescriptor agent, NatsMsg<byte[]> msg)
    {
        try
        {
            await HandleAsync(agent, msg);
        }
        catch (Exception e)
        {
            LogDispatchFailed(_logger, e, agent.Name);
        }
        finally
        {
            _slots.Release();
            if (Interlocked.Decrement(ref _inFlight) == 0)
            {
                Volatile.Read(ref _drained)?.TrySetResult();
            }
        }
    }

    private async Task HandleAsync(AgentDescriptor agent, NatsMsg<byte[]> msg)
    {
        var requestId = Header(msg.Headers, MeshHeaders.RequestId) ?? "";
        var conversation = Header(msg.Headers, MeshHeaders.ConversationId);
        var body = msg.Data ?? [];

        if (Header(msg.Headers, MeshHeaders.Stream) == MeshHeaders.True)
        {
            await SendErrorAsync(agent, msg, requestId, conversation, MeshErrorCodes.InvocationMismatch,
                $"Agent '{agent.Name}' does not support streaming. Use call() instead", null, stream: true);
            return;
        }

        var limit = _options.MaxRequestBytes;
        var response = limit is { } max && body.Length > max
            ? AgentResponse.Error(MeshErrorCodes.InvalidInput, $"Request body of {body.Length} bytes exceeds the limit of {max} bytes for agent '{agent.Name}'")
            : await _invoker.InvokeAsync(agent, body, requestId, conversation);

        if (response.IsError)
        {
            await SendErrorAsync(agent, msg, requestId, conversation, response.ErrorCode!, response.ErrorMessage ?? "", response.Body, stream: false);
            return;
        }

        if (msg.ReplyTo is not { } replyTo)
        {
            return; // Fire and forget: the handler ran, the result is dropped.
        }

        var maxPayload = _mesh.Connection.ServerInfo?.MaxPayload ?? int.MaxValue;
        if (response.Body.Length > maxPayload - 1024)
        {
            await SendErrorAsync(agent, msg, requestId, conversation, MeshErrorCodes.HandlerError,
                $"Agent '{agent.Name}' produced a reply of {response.Body.Length} bytes, over the server's max_payload of {maxPayload} bytes", null, stream: false);
            return;
        }

        var headers = new NatsHeaders
        {
            [MeshHeaders.Status] = MeshHeaders.StatusOk,
            [MeshHeaders.Source] = agent.Name,
            [MeshHeaders.RequestId] = requestId,
            [MeshHeaders.InstanceId] = _mesh.InstanceId,
        };
        if (conversation is not null)
        {
            headers[MeshHeaders.ConversationId] = conversation;
        }

        await _mesh.Connection.PublishAsync(replyTo, response.Body, headers);
    }

    /// <summary>Routes an agent-side error as §3.3 says: stream subject or reply subject, and always <c>mesh.errors.{name}</c>.</summary>
    private async Task SendErrorAsync(AgentDescriptor agent, NatsMsg<byte[]> msg, string requestId, string? conversation, string code, string message, byte[]? details, bool stream)
    {
        var detailsElement = details is { Length: > 0 } ? JsonDocument.Parse(details).RootElement.Clone() : ErrorEnvelope.NoDetails;
        var envelope = new ErrorEnvelope(code, message, agent.Name, requestId, detailsElement).ToJsonBytes();
        NatsHeaders ErrorHeaders(bool end)
        {
            var h = new NatsHeaders
            {
                [MeshHeaders.Status] = MeshHeaders.StatusError,
                [MeshHeaders.RequestId] = requestId,
                [MeshHeaders.InstanceId] = _mesh.InstanceId,
            };
            if (end)
            {
                h[MeshHeaders.StreamEnd] = MeshHeaders.True;
            }

            if (conversation is not null)
            {
                h[MeshHeaders.ConversationId] = conversation;
            }

            return h;
        }

        if (stream)
        {
            if (requestId.Length > 0)
            {
                await _mesh.Connection.PublishAsync(MeshSubjects.Stream(requestId), envelope, ErrorHeaders(end: true));
            }
        }
        else if (msg.ReplyTo is { } replyTo)
        {
            await _mesh.Connection.PublishAsync(replyTo, envelope, ErrorHeaders(end: false));
        }

        await _mesh.Connection.PublishAsync(MeshSubjects.Errors(agent.Name), envelope, ErrorHeaders(end: false));
        LogAgentError(_logger, agent.Name, code, message);
    }

    private static string? Header(NatsHeaders? headers, string name) =>
        headers is not null && headers.TryGetValue(name, out StringValues values) && values.Count > 0 ? values[0] : null;

    [LoggerMessage(Level = LogLevel.Information, Message = "Mesh host started: {Count} agent(s) [{Agents}] on {Url}, instance {InstanceId}")]
    private static partial void LogStarted(ILogger logger, int count, string agents, string url, string instanceId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Mesh host stopped: instance {InstanceId} deregistered")]
    private static partial void LogStopped(ILogger logger, string instanceId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Drain timed out with {Count} request(s) still running after {Timeout}")]
    private static partial void LogDrainTimeout(ILogger logger, int count, TimeSpan timeout);

    [LoggerMessage(Level = LogLevel.Error, Message = "Dispatching a request to agent '{Agent}' failed")]
    private static partial void LogDispatchFailed(ILogger logger, Exception exception, string agent);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Agent '{Agent}' answered {Code}: {Message}")]
    private static partial void LogAgentError(ILogger logger, string agent, string code, string message);
}
