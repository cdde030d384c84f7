using System.Text.Json;
using Orleans.Metadata;
using Orleans.Runtime;
using OamOrleans.Client;
using OamOrleans.Protocol;

namespace OamOrleans.Bridge;

/// <summary>
/// <see cref="IAgentMesh"/> inside a silo. An agent this silo hosts is invoked through <see cref="AgentInvoker"/>
/// (schema validation, conversation keys and errors exactly as over NATS, but no NATS hop); an agent hosted only by
/// other silos of the cluster is called as a grain too, found in the cluster manifest (its grain deserializes and
/// checks the input); any other agent is called over NATS by a mesh client on a caller connection of its own.
/// </summary>
internal sealed class SiloAgentMesh(
    AgentCatalog agents,
    AgentInvoker invoker,
    IGrainFactory grains,
    IClusterManifestProvider manifest,
    SiloMeshConnection mesh,
    AgentGates gates,
    GrainCallFailover failover) : IAgentMesh, IAsyncDisposable
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);
    private readonly SemaphoreSlim _clientLock = new(1, 1);
    private MeshClient? _client;

    public async Task<TOut> CallAsync<TOut>(string agent, object? input, AgentCallOptions? options = null, CancellationToken cancellationToken = default)
    {
        var body = input is null ? [] : JsonSerializer.SerializeToUtf8Bytes(input, input.GetType(), AgentJson.Options);
        var reply = await CallJsonAsync(agent, body, options, cancellationToken);
        return JsonSerializer.Deserialize<TOut>(reply.Span, AgentJson.Options)!;
    }

    public async Task<ReadOnlyMemory<byte>> CallJsonAsync(string agent, ReadOnlyMemory<byte> body, AgentCallOptions? options = null, CancellationToken cancellationToken = default)
    {
        AgentName.Validate(agent, nameof(agent));
        var timeout = options?.Timeout ?? DefaultTimeout;
        var requestId = MeshIds.New();
        Task<AgentResponse> call;
        if (agents.TryGet(agent, out var descriptor) && !gates.IsOpen(descriptor))
        {
            // Every silo follows the same gate: closed here means closed on the mesh, as a NATS caller would find.
            throw new NotAvailableException($"Agent '{agent}' is in the catalog but nobody serves it right now", agent, requestId);
        }

        if (descriptor is not null)
        {
            call = invoker.InvokeAsync(descriptor, body.ToArray(), requestId, options?.ConversationId);
        }
        else if (FindInCluster(agent) is { } properties && !properties.ContainsKey(AgentAttribute.GatedProperty))
        {
            call = CallRemoteGrainAsync(agent, properties, body.ToArray(), requestId, options?.ConversationId);
        }
        else
        {
            var client = await ClientAsync(cancellationToken);
            var reply = await client.CallRawAsync(agent, body, new CallOptions { Timeout = timeout, ConversationId = options?.ConversationId }, cancellationToken);
            return reply.Json;
        }

        AgentResponse response;
        try
        {
            response = await call.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            throw new MeshTimeoutException(MeshSubjects.Agent(agent), timeout, agent, requestId);
        }

        if (response.IsError)
        {
            var details = JsonDocument.Parse(response.Body).RootElement.Clone();
            throw MeshException.FromEnvelope(new ErrorEnvelope(response.ErrorCode!, response.ErrorMessage ?? "", agent, requestId, details));
        }

        return response.Body;
    }

    /// <summary>The agent's grain properties when some silo of the cluster hosts its grain type.</summary>
    private IReadOnlyDictionary<string, string>? FindInCluster(string agent)
    {
        var grainType = AgentAttribute.GrainTypeOf(agent);
        foreach (var silo in manifest.Current.AllGrainManifests)
        {
            if (silo.Grains.TryGetValue(grainType, out var properties))
            {
                return properties.Properties;
            }
        }

        return null;
    }

    private async Task<AgentResponse> CallRemoteGrainAsync(string agent, IReadOnlyDictionary<string, string> properties, byte[] body, string requestId, string? conversationId)
    {
        var conversational = properties.TryGetValue(AgentAttribute.ConversationalProperty, out var flag) && flag == "true";
        var conversation = conversationId
            ?? (properties.TryGetValue(AgentAttribute.ConversationKeyProperty, out var key) ? KeyFromInput(body, key) : null)
            ?? AgentInvoker.DefaultConversation;
        var grain = grains.GetGrain<IAgentGrain>(GrainId.Create(AgentAttribute.GrainTypeOf(agent), conversational ? conversation : AgentInvoker.DefaultConversation));
        var request = new AgentRequest(body, requestId, conversation);
        try
        {
            return await failover.CallAsync(agent, () => grain.InvokeAsync(request));
        }
        catch (Exception e)
        {
            return GrainCallFailover.ErrorFor(agent, conversational ? conversation : null, e);
        }
    }

    private static string? KeyFromInput(byte[] body, string key)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty(key, out var value)
                ? value.ValueKind == JsonValueKind.String ? value.GetString() : value.ValueKind is JsonValueKind.Number ? value.GetRawText() : null
                : null;
        }
        catch (JsonException)
        {
            return null; // the grain reports the malformed input
        }
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
                mesh.Endpoint.Url,
                new MeshClientOptions
                {
                    InstanceId = mesh.InstanceId,
                    ConnectionName = "oam-caller-" + mesh.InstanceId,
                    CredsFile = mesh.Endpoint.CredsFile,
                    Tls = mesh.Endpoint.Tls,
                    EnsureBuckets = false,
                },
                ct);
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
