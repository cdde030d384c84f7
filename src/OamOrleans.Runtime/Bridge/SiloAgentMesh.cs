using System.Collections.Immutable;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Orleans.Metadata;
using Orleans.Runtime;
using OamOrleans.Client;
using OamOrleans.Internal;
using OamOrleans.Pipeline;
using OamOrleans.Protocol;

namespace OamOrleans.Bridge;

/// <summary>
/// <see cref="IAgentMesh"/> inside a silo. An agent this silo hosts is invoked through the <see cref="RequestPipeline"/>
/// (the same steps as over NATS, without the NATS part); an agent hosted only by other silos of the cluster is called
/// as a grain too, found in the cluster manifest (its grain runs the checks); any other agent is called over NATS by a
/// mesh client on a caller connection of its own.
/// </summary>
internal sealed class SiloAgentMesh(
    AgentCatalog agents,
    RequestPipeline pipeline,
    AgentInvoker invoker,
    IClusterManifestProvider manifest,
    SiloMeshConnection mesh,
    AgentGates gates) : IAgentMesh, IAsyncDisposable
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);
    private readonly SemaphoreSlim _clientLock = new(1, 1);
    private MeshClient? _client;
    private (MajorMinorVersion Version, Dictionary<GrainType, ImmutableDictionary<string, string>> Agents)? _cluster;

    public async Task<TOut> CallAsync<TOut>(string agent, object? input, CallOptions? options = null, CancellationToken cancellationToken = default)
    {
        var json = options?.JsonOptions ?? MeshJson.AgentOptions;
        var body = input is null ? [] : JsonSerializer.SerializeToUtf8Bytes(input, input.GetType(), json);
        var reply = await CallJsonAsync(agent, body, options, cancellationToken);
        return JsonSerializer.Deserialize<TOut>(reply.Span, json)!;
    }

    public async Task<ReadOnlyMemory<byte>> CallJsonAsync(string agent, ReadOnlyMemory<byte> body, CallOptions? options = null, CancellationToken cancellationToken = default)
    {
        AgentName.Validate(agent, nameof(agent));
        if (options?.Headers is not null)
        {
            throw new ArgumentException("IAgentMesh calls carry no extra headers: an in-cluster call has no NATS message to put them on. Leave CallOptions.Headers unset.", nameof(options));
        }

        var timeout = options?.Timeout ?? DefaultTimeout;
        var requestId = MeshIds.New();
        Task<AgentOutcome> call;
        if (agents.TryGet(agent, out var descriptor) && !gates.IsOpen(descriptor))
        {
            // Every silo follows the same gate: closed here means closed on the mesh, as a NATS caller would find.
            throw new NotAvailableException($"Agent '{agent}' is in the catalog but nobody serves it right now", agent, requestId);
        }

        var properties = descriptor is null ? FindInCluster(agent) : null;
        if (descriptor is null && (properties is null || properties.ContainsKey(AgentAttribute.GatedProperty)))
        {
            // Over NATS: the mesh client makes the client span and sends traceparent.
            var client = await ClientAsync(cancellationToken);
            var reply = await client.CallRawAsync(agent, body, new CallOptions { Timeout = timeout, ConversationId = options?.ConversationId, Retry = options?.Retry }, cancellationToken);
            return reply.Json;
        }

        using var activity = StartClientSpan(agent, requestId, options?.ConversationId);
        using var registered = InProcessCancellation.Register(requestId, cancellationToken);
        var handlerTimeout = timeout < pipeline.Limits.RequestTimeout ? timeout : pipeline.Limits.RequestTimeout;
        call = descriptor is not null
            ? pipeline.RunAsync(AgentCall.InCluster(descriptor, body.ToArray(), requestId, options?.ConversationId, handlerTimeout, cancellationToken))
            : CallElsewhereAsync(agent, properties!, new AgentRequest(body.ToArray(), requestId, options?.ConversationId ?? ConversationIds.Default) { Timeout = handlerTimeout }, options?.ConversationId, cancellationToken);

        AgentOutcome outcome;
        try
        {
            outcome = await call.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            MeshDiagnostics.Fail(activity, MeshErrorCodes.Timeout, $"No answer within {timeout}");
            throw new MeshTimeoutException(MeshSubjects.Agent(agent), timeout, agent, requestId);
        }

        if (outcome.Error is { } error)
        {
            MeshDiagnostics.Fail(activity, error.Code, error.Message);
            throw error.ToException(agent, requestId);
        }

        return outcome.Body;
    }

    /// <summary>The client span of a call inside the cluster (Orleans carries the context on to the grain).</summary>
    private static Activity? StartClientSpan(string agent, string requestId, string? conversation)
    {
        if (!MeshDiagnostics.Source.HasListeners())
        {
            return null;
        }

        var activity = MeshDiagnostics.Source.StartActivity($"call {agent}", ActivityKind.Client);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(MeshTags.Agent, agent);
            activity.SetTag(MeshTags.RpcSystem, "oam");
            activity.SetTag(MeshTags.RpcMethod, agent);
            activity.SetTag(MeshTags.Transport, "cluster");
            activity.SetTag(MeshTags.MessageId, requestId);
            if (conversation is not null)
            {
                activity.SetTag(MeshTags.ConversationId, conversation);
            }
        }

        return activity;
    }

    public async Task<IReadOnlyList<AIFunction>> GetAIFunctionsAsync(MeshToolOptions? options = null, CancellationToken cancellationToken = default)
    {
        var client = await ClientAsync(cancellationToken);
        var contracts = await MeshToolSelection.SelectAsync(client, options, cancellationToken);
        var callOptions = new CallOptions { Timeout = options?.CallTimeout };
        return contracts
            .Select(c => (AIFunction)new MeshAIFunction(c, (body, ct) => CallJsonAsync(c.Name, body, callOptions, ct)))
            .ToArray();
    }

    /// <summary>
    /// The agent's grain properties when some silo of the cluster hosts its grain type: from an index of the cluster
    /// manifest, made again only when the manifest's version changes (a silo joined or left), not on every call.
    /// </summary>
    private ImmutableDictionary<string, string>? FindInCluster(string agent)
    {
        var current = manifest.Current;
        if (_cluster is not { } cluster || cluster.Version != current.Version)
        {
            var agents = new Dictionary<GrainType, ImmutableDictionary<string, string>>();
            foreach (var silo in current.AllGrainManifests)
            {
                foreach (var (type, properties) in silo.Grains)
                {
                    agents.TryAdd(type, properties.Properties);
                }
            }

            cluster = (current.Version, agents);
            _cluster = cluster;
        }

        return cluster.Agents.GetValueOrDefault(AgentAttribute.GrainTypeOf(agent));
    }

    /// <summary>
    /// An agent only other silos host: its conversation is resolved here as the pipeline would (the key property comes
    /// from the cluster manifest) to find its grain, and the grain's silo runs the request through its pipeline.
    /// </summary>
    private Task<AgentOutcome> CallElsewhereAsync(string agent, ImmutableDictionary<string, string> properties, AgentRequest request, string? conversationHeader, CancellationToken cancellationToken)
    {
        var conversational = properties.TryGetValue(AgentAttribute.ConversationalProperty, out var flag) && flag == "true";
        properties.TryGetValue(AgentAttribute.ConversationKeyProperty, out var keyProperty);
        return AgentDescriptor.ResolveConversation(request.Body, conversationHeader, keyProperty, pipeline.Limits, out var conversation) is { } invalid
            ? Task.FromResult(AgentOutcome.Failure(invalid with { Message = $"{invalid.Message} for agent '{agent}'" }))
            : invoker.CallElsewhereAsync(agent, conversational, request with { ConversationId = conversation }, cancellationToken);
    }

    private async ValueTask<MeshClient> ClientAsync(CancellationToken ct)
    {
        if (_client is { } ready)
        {
            return ready;
        }

        await _clientLock.WaitAsync(ct);
        try
        {
            // A connection of its own: replies to these calls must not wait behind requests queued for the bridge on
            // the silo's connection when the silo is saturated. Not named oam-host-…: its loss is not the host's death.
            return _client ??= await MeshClient.ConnectAsync(
                options: new MeshClientOptions
                {
                    Endpoint = mesh.Endpoint,
                    InstanceId = mesh.InstanceId,
                    ConnectionName = "oam-caller-" + mesh.InstanceId,
                    EnsureBuckets = false,
                },
                cancellationToken: ct);
        }
        finally
        {
            _clientLock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_client is { } client)
        {
            await client.DisposeAsync();
        }
    }
}
