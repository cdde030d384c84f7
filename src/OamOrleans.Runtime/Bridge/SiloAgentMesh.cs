using System.Text.Json;
using OamOrleans.Client;
using OamOrleans.Protocol;

namespace OamOrleans.Bridge;

/// <summary>
/// <see cref="IAgentMesh"/> inside a silo: agents hosted by this cluster's silos are invoked through
/// <see cref="AgentInvoker"/> (schema validation, conversation keys and errors exactly as over NATS, but no NATS hop);
/// any other agent is called over NATS with the mesh client on the silo's connection.
/// </summary>
internal sealed class SiloAgentMesh(AgentCatalog agents, AgentInvoker invoker, SiloMeshConnection mesh) : IAgentMesh, IAsyncDisposable
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
        if (!agents.TryGet(agent, out var descriptor))
        {
            var client = await ClientAsync(cancellationToken);
            var reply = await client.CallRawAsync(agent, body, new CallOptions { Timeout = timeout, ConversationId = options?.ConversationId }, cancellationToken);
            return reply.Json;
        }

        var requestId = MeshIds.New();
        AgentResponse response;
        try
        {
            response = await invoker.InvokeAsync(descriptor, body.ToArray(), requestId, options?.ConversationId).WaitAsync(timeout, cancellationToken);
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

    private async ValueTask<MeshClient> ClientAsync(CancellationToken ct)
    {
        if (_client is { } ready)
        {
            return ready;
        }

        await _clientLock.WaitAsync(ct);
        try
        {
            return _client ??= await MeshClient.CreateAsync(
                mesh.Connection,
                new MeshClientOptions { InstanceId = mesh.InstanceId, EnsureBuckets = false },
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
