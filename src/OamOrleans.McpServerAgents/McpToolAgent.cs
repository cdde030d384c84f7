using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Client;
using OamOrleans.Client;
using OamOrleans.McpShared;
using OamOrleans.Protocol;

namespace OamOrleans.McpServerAgents;

/// <summary>
/// One MCP tool as a dynamic agent (<see cref="IDynamicAgents"/>): the silo's request pipeline hands it each request
/// after its checks, and it forwards the request as <c>tools/call</c> to the current MCP session. With no session (the
/// server is down) it answers <c>not_available</c>.
/// </summary>
internal sealed class McpToolAgent(string server, string tool, AgentContract contract, ArgumentCheck? check, McpToolSession session)
{
    public string ToolName { get; } = tool;

    public AgentContract Contract { get; private set; } = contract;

    /// <summary>The input schema's check; null when the tool's schema could not be read (the MCP server checks alone).</summary>
    public ArgumentCheck? Check { get; private set; } = check;

    public void Update(AgentContract contract, ArgumentCheck? check) => (Contract, Check) = (contract, check);

    public string Name => Contract.Name;

    /// <summary>The <see cref="DynamicAgentHandler"/>: at most the session's concurrent calls reach the MCP server.</summary>
    public async Task<byte[]> HandleAsync(DynamicAgentRequest request)
    {
        await session.Slots.WaitAsync().ConfigureAwait(false);
        try
        {
            var outcome = await CallAsync(request.Input).ConfigureAwait(false);
            return outcome.Body ?? throw new MeshException(outcome.Code!, outcome.Message!);
        }
        finally
        {
            session.Slots.Release();
        }
    }

    private async Task<McpCallOutcome> CallAsync(ReadOnlyMemory<byte> body)
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
    private static JsonObject Arguments(ReadOnlyMemory<byte> body)
    {
        if (body.IsEmpty)
        {
            return [];
        }

        return JsonNode.Parse(body.Span) as JsonObject ?? throw new JsonException("got JSON that is not an object");
    }
}

/// <summary>What the tool agents of one MCP server share: its current client (null while it is down) and limits.</summary>
internal sealed class McpToolSession(TimeSpan callTimeout, int maxConcurrentCalls) : IDisposable
{
    private McpClient? _client;

    public TimeSpan CallTimeout { get; } = callTimeout;

    public SemaphoreSlim Slots { get; } = new(maxConcurrentCalls, maxConcurrentCalls);

    public McpClient? Client
    {
        get => Volatile.Read(ref _client);
        set => Volatile.Write(ref _client, value);
    }

    public void Dispose() => Slots.Dispose();
}
