using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Client;
using NATS.Client.Core;
using OamOrleans.McpShared;
using OamOrleans.Protocol;

namespace OamOrleans.McpServerAgents;

/// <summary>
/// One MCP tool on the mesh: subscribed to <c>mesh.agent.{name}</c> in queue group <c>q.{name}</c>; each request is
/// forwarded as <c>tools/call</c> to the current MCP session and answered exactly once, a reply or an error envelope
/// (also published on <c>mesh.errors.{name}</c>). With no session (the server is down) it answers <c>not_available</c>.
/// </summary>
internal sealed class McpToolResponder(string server, string tool, AgentContract contract, ArgumentCheck? check, McpToolSession session) : IAsyncDisposable
{
    private INatsSub<byte[]>? _subscription;
    private Task _receive = Task.CompletedTask;

    public string ToolName { get; } = tool;

    public AgentContract Contract { get; private set; } = contract;

    /// <summary>The input schema's check; null when the tool's schema could not be read (the MCP server checks alone).</summary>
    public ArgumentCheck? Check { get; private set; } = check;

    public void Update(AgentContract contract, ArgumentCheck? check) => (Contract, Check) = (contract, check);

    public string Name => Contract.Name;

    public async Task OpenAsync(INatsConnection connection, CancellationToken ct)
    {
        _subscription = await connection.SubscribeCoreAsync<byte[]>(MeshSubjects.Agent(Name), MeshSubjects.QueueGroup(Name), NatsRawSerializer<byte[]>.Default, cancellationToken: ct).ConfigureAwait(false);
        var sub = _subscription;
        _receive = Task.Run(() => ReceiveAsync(connection, sub), CancellationToken.None);
    }

    private async Task ReceiveAsync(INatsConnection connection, INatsSub<byte[]> sub)
    {
        await foreach (var msg in sub.Msgs.ReadAllAsync().ConfigureAwait(false))
        {
            await session.Slots.WaitAsync().ConfigureAwait(false);
            _ = Task.Run(async () =>
            {
                try
                {
                    await AnswerAsync(connection, msg).ConfigureAwait(false);
                }
                catch (Exception e) when (e is NatsException or ObjectDisposedException or OperationCanceledException)
                {
                    // The silo is stopping and the connection closed under this answer: the caller times out.
                }
                finally
                {
                    session.Slots.Release();
                }
            });
        }
    }

    private async Task AnswerAsync(INatsConnection connection, NatsMsg<byte[]> msg)
    {
        var requestId = msg.Headers?[MeshHeaders.RequestId].ToString() is { Length: > 0 } id ? id : MeshIds.New();
        var conversation = msg.Headers?[MeshHeaders.ConversationId].ToString() is { Length: > 0 } c ? c : null;
        var outcome = await CallAsync(msg.Data).ConfigureAwait(false);
        if (outcome.Body is { } body)
        {
            if (msg.ReplyTo is { } replyTo)
            {
                var headers = new NatsHeaders
                {
                    [MeshHeaders.Status] = MeshHeaders.StatusOk,
                    [MeshHeaders.Source] = Name,
                    [MeshHeaders.RequestId] = requestId,
                    [MeshHeaders.InstanceId] = session.InstanceId,
                };
                AddConversation(headers, conversation);
                await connection.PublishAsync(replyTo, body, headers).ConfigureAwait(false);
            }

            return;
        }

        var envelope = new ErrorEnvelope(outcome.Code!, outcome.Message!, Name, requestId).ToJsonBytes();
        NatsHeaders ErrorHeaders()
        {
            var h = new NatsHeaders { [MeshHeaders.Status] = MeshHeaders.StatusError, [MeshHeaders.RequestId] = requestId, [MeshHeaders.InstanceId] = session.InstanceId };
            AddConversation(h, conversation);
            return h;
        }

        if (msg.ReplyTo is { } errorTo)
        {
            await connection.PublishAsync(errorTo, envelope, ErrorHeaders()).ConfigureAwait(false);
        }

        await connection.PublishAsync(MeshSubjects.Errors(Name), envelope, ErrorHeaders()).ConfigureAwait(false);
    }

    private async Task<McpCallOutcome> CallAsync(byte[]? body)
    {
        JsonObject arguments;
        try
        {
            arguments = Arguments(body);
        }
        catch (JsonException e)
        {
            return McpCallOutcome.Error(MeshErrorCodes.InvalidInput, $"The input of '{Name}' must be a JSON object (the MCP tool's arguments): {e.Message}");
        }

        if (Check?.Problems(arguments) is { } problems)
        {
            return McpCallOutcome.Error(MeshErrorCodes.InvalidInput, $"Invalid input for '{Name}': {problems}");
        }

        if (session.Client is not { } client)
        {
            return McpCallOutcome.Error(MeshErrorCodes.NotAvailable, $"MCP server '{server}' is not running (restarting)");
        }

        using var deadline = new CancellationTokenSource(session.CallTimeout);
        try
        {
            var named = arguments.ToDictionary(p => p.Key, p => (object?)p.Value, StringComparer.Ordinal);
            var result = await client.CallToolAsync(ToolName, named, cancellationToken: deadline.Token).ConfigureAwait(false);
            return McpCallOutcome.From(result);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            return McpCallOutcome.Error(MeshErrorCodes.Timeout, $"MCP server '{server}' did not answer '{ToolName}' within {session.CallTimeout.TotalSeconds:0.###} s");
        }
        catch (Exception e)
        {
            return McpCallOutcome.From(e, server, ToolName);
        }
    }

    /// <summary>An empty body is no arguments; anything else must be a JSON object.</summary>
    private static JsonObject Arguments(byte[]? body)
    {
        if (body is null || body.Length == 0)
        {
            return [];
        }

        return JsonNode.Parse(body) as JsonObject ?? throw new JsonException("got JSON that is not an object");
    }

    private static void AddConversation(NatsHeaders headers, string? conversation)
    {
        if (conversation is not null)
        {
            headers[MeshHeaders.ConversationId] = conversation;
        }
    }

    /// <summary>Leaves the queue group; requests already taken are still answered.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_subscription is { } sub)
        {
            await sub.UnsubscribeAsync().ConfigureAwait(false);
            await _receive.ConfigureAwait(false);
            await sub.DisposeAsync().ConfigureAwait(false);
        }
    }
}

/// <summary>What the responders of one MCP server share: its current client (null while it is down) and limits.</summary>
internal sealed class McpToolSession(string instanceId, TimeSpan callTimeout, int maxConcurrentCalls) : IDisposable
{
    private McpClient? _client;

    public string InstanceId { get; } = instanceId;

    public TimeSpan CallTimeout { get; } = callTimeout;

    public SemaphoreSlim Slots { get; } = new(maxConcurrentCalls, maxConcurrentCalls);

    public McpClient? Client
    {
        get => Volatile.Read(ref _client);
        set => Volatile.Write(ref _client, value);
    }

    public void Dispose() => Slots.Dispose();
}
