using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Orleans.Runtime;
using OamOrleans.Hosting;
using OamOrleans.McpShared;
using OamOrleans.Protocol;

namespace OamOrleans.McpServerAgents;

/// <summary>
/// Serves one MCP server's tools as mesh agents of the silo: it supervises the MCP server (start it, list its tools, add
/// one <see cref="McpToolAgent"/> per tool as a dynamic agent, so requests pass the silo's pipeline like any other) and
/// when the server dies keeps the agents (they answer <c>not_available</c>) while it is restarted with doubling backoff.
/// It starts just before the mesh bridge (its agents are added once the bridge has registered the silo's) and stops
/// just after it, so the bridge's stop drains and deregisters the tool agents while the MCP server still answers.
/// </summary>
internal sealed partial class McpServerAgentsHost(string server, McpServerAgentsOptions options, IDynamicAgents dynamic, ILoggerFactory loggers)
    : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private readonly ILogger _logger = loggers.CreateLogger<McpServerAgentsHost>();
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _reconcile = new(1, 1);
    private readonly Dictionary<string, McpToolAgent> _agents = new(StringComparer.Ordinal);
    private readonly McpToolSession _session = new(options.CallTimeout, options.MaxConcurrentCalls);
    private Task _run = Task.CompletedTask;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe($"{nameof(McpServerAgentsHost)}.{server}", ServiceLifecycleStage.Active - 1, StartAsync, StopAsync);

    private Task StartAsync(CancellationToken ct)
    {
        // Never hold up the silo: the MCP server may be slow to start, or down.
        _run = Task.Run(() => RunAsync(_stop.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task RunAsync(CancellationToken ct)
    {
        try
        {
            await SuperviseAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            LogHostFailed(_logger, e, server);
        }
    }

    private async Task SuperviseAsync(CancellationToken ct)
    {
        var delay = options.RestartDelay;
        while (!ct.IsCancellationRequested)
        {
            var started = Stopwatch.GetTimestamp();
            McpClient? client = null;
            try
            {
                client = await McpClient.CreateAsync(Transport(), cancellationToken: ct).ConfigureAwait(false);
                var current = client;
                await using var onChange = client.RegisterNotificationHandler(NotificationMethods.ToolListChangedNotification, (_, _) =>
                {
                    _ = Task.Run(() => ReconcileLoggedAsync(current, ct), CancellationToken.None);
                    return ValueTask.CompletedTask;
                });
                await ReconcileAsync(client, ct).ConfigureAwait(false);
                _session.Client = client;
                if (_logger.IsEnabled(LogLevel.Information))
                {
                    var agents = string.Join(", ", _agents.Keys);
                    LogServing(_logger, server, _agents.Count, agents);
                }

                var completion = await client.Completion.WaitAsync(ct).ConfigureAwait(false);
                _session.Client = null;
                var how = Describe(completion);
                LogServerDied(_logger, completion.Exception, server, how);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogStartFailed(_logger, e, server, delay);
            }
            finally
            {
                _session.Client = null;
                if (client is not null)
                {
                    await DisposeQuietlyAsync(client).ConfigureAwait(false);
                }
            }

            // A server that ran for a while starts again quickly; one that keeps failing waits longer each time.
            if (Stopwatch.GetElapsedTime(started) > options.MaxRestartDelay)
            {
                delay = options.RestartDelay;
            }

            await Task.Delay(delay, ct).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, options.MaxRestartDelay.Ticks));
        }
    }

    private IClientTransport Transport() => options.Url is { } url
        ? new HttpClientTransport(new HttpClientTransportOptions { Endpoint = url, Name = server }, loggers)
        : new StdioClientTransport(
            new StdioClientTransportOptions
            {
                Name = server,
                Command = options.Command!,
                Arguments = [.. options.Arguments],
                WorkingDirectory = options.WorkingDirectory,
                EnvironmentVariables = new Dictionary<string, string?>(options.Environment),
            },
            loggers);

    private async Task ReconcileLoggedAsync(McpClient client, CancellationToken ct)
    {
        try
        {
            await ReconcileAsync(client, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            LogReconcileFailed(_logger, e, server);
        }
    }

    /// <summary>Makes the served agents equal to the server's tools: open and register new ones, update changed ones, drop gone ones.</summary>
    private async Task ReconcileAsync(McpClient client, CancellationToken ct)
    {
        var tools = await client.ListToolsAsync(cancellationToken: ct).ConfigureAwait(false);
        await _reconcile.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var now = MeshIds.Now();
            var wanted = new Dictionary<string, (string Tool, AgentContract Contract)>(StringComparer.Ordinal);
            foreach (var tool in tools.Select(t => t.ProtocolTool))
            {
                if (McpToolContract.AgentName(server, tool.Name) is not { } agent)
                {
                    LogToolSkipped(_logger, server, tool.Name, "its name has no letter or digit");
                }
                else if (!wanted.TryAdd(agent, (tool.Name, McpToolContract.For(agent, server, tool, now))))
                {
                    LogToolSkipped(_logger, server, tool.Name, $"it makes the same agent name as '{wanted[agent].Tool}' ({agent})");
                }
            }

            var gone = _agents.Keys.Where(a => !wanted.ContainsKey(a)).ToArray();
            foreach (var agent in gone)
            {
                await dynamic.RemoveAsync(agent, ct).ConfigureAwait(false); // drained, then deregistered with the survivor rule
                _agents.Remove(agent);
            }

            foreach (var (agent, (tool, contract)) in wanted)
            {
                if (_agents.TryGetValue(agent, out var served))
                {
                    if (McpToolContract.Same(served.Contract, contract))
                    {
                        continue;
                    }

                    served.Update(contract, await CheckForAsync(contract).ConfigureAwait(false));
                }
                else
                {
                    served = new McpToolAgent(server, tool, contract, await CheckForAsync(contract).ConfigureAwait(false), _session);
                }

                await dynamic.AddAsync(contract, served.HandleAsync, ct).ConfigureAwait(false); // adds, or replaces the contract
                _agents[agent] = served;
            }
        }
        finally
        {
            _reconcile.Release();
        }
    }

    /// <summary>Arguments are checked before they are forwarded, for a clear <c>invalid_input</c> instead of the server's words.</summary>
    private async Task<ArgumentCheck?> CheckForAsync(AgentContract contract)
    {
        if (contract.InputSchema is not JsonObject schema)
        {
            return null;
        }

        try
        {
            return await ArgumentCheck.CreateAsync(schema).ConfigureAwait(false);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NotSupportedException)
        {
            LogSchemaUnreadable(_logger, e, server, contract.Name);
            return null;
        }
    }

    /// <summary>The tool agents themselves were drained and deregistered by the bridge's stop just before: end the MCP session.</summary>
    private async Task StopAsync(CancellationToken ct)
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _run.ConfigureAwait(false);
    }

    public void Dispose()
    {
        _stop.Dispose();
        _reconcile.Dispose();
        _session.Dispose();
    }

    private static async Task DisposeQuietlyAsync(McpClient client)
    {
        try
        {
            await client.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or ObjectDisposedException or OperationCanceledException)
        {
            // The server is gone already.
        }
    }

    private static string Describe(ClientCompletionDetails completion) => completion switch
    {
        StdioClientCompletionDetails stdio => $"process {stdio.ProcessId} exited with {stdio.ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "no code"}",
        HttpClientCompletionDetails http => $"HTTP session ended ({(http.HttpStatusCode is { } s ? (int)s : 0)})",
        _ => "session ended",
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "MCP server '{Server}': serving {Count} tool(s) as agents [{Agents}]")]
    private static partial void LogServing(ILogger logger, string server, int count, string agents);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MCP server '{Server}' stopped ({How}); its agents answer not_available until it is back")]
    private static partial void LogServerDied(ILogger logger, Exception? exception, string server, string how);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MCP server '{Server}' could not be started or listed; next attempt in {Delay}")]
    private static partial void LogStartFailed(ILogger logger, Exception exception, string server, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MCP server '{Server}': tool '{Tool}' is not served because {Reason}")]
    private static partial void LogToolSkipped(ILogger logger, string server, string tool, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "MCP server '{Server}': updating its agents failed")]
    private static partial void LogReconcileFailed(ILogger logger, Exception exception, string server);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MCP server '{Server}': the input schema of '{Agent}' cannot be read; arguments go unchecked to the server")]
    private static partial void LogSchemaUnreadable(ILogger logger, Exception exception, string server, string agent);

    [LoggerMessage(Level = LogLevel.Error, Message = "MCP server '{Server}': the agents host failed and serves nothing")]
    private static partial void LogHostFailed(ILogger logger, Exception exception, string server);
}
