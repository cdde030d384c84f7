using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Server;
using OamOrleans.Client;
using OamOrleans.Protocol;

namespace OamOrleans.Mcp;

/// <summary>
/// The exported tools, kept equal to the catalog: invocable, non-streaming agents hosted anywhere on the mesh that opt
/// in (<c>x-agentmesh.mcp</c>) or have no flag while the default export is on. Every catalog change triggers a refresh;
/// the MCP SDK turns a changed collection into <c>notifications/tools/list_changed</c> on every session.
/// </summary>
internal sealed partial class MeshToolSet(IServiceProvider services, IOptions<MeshMcpOptions> options, ILogger<MeshToolSet> logger) : IDisposable
{
    private static readonly TimeSpan MaxConnectDelay = TimeSpan.FromSeconds(5);
    private readonly MeshMcpOptions _options = options.Value;
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private MeshClient? _client;
    private int _pending;

    public McpServerPrimitiveCollection<McpServerTool> Tools { get; } = new();

    /// <summary>
    /// Fills the set once, then follows the catalog. When the mesh cannot be reached yet (a host that starts before
    /// NATS), the host starts anyway with no tools and the set fills as soon as the <see cref="MeshClient"/> connects.
    /// </summary>
    public async Task StartAsync(CancellationToken ct)
    {
        try
        {
            await ConnectAsync(ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            LogMeshUnreachable(logger, e);
            _ = Task.Run(() => ConnectLaterAsync(_stop.Token), CancellationToken.None);
        }
    }

    private async Task ConnectAsync(CancellationToken ct)
    {
        var client = services.GetRequiredService<MeshClient>(); // a DI factory that failed runs again on the next resolve
        _client = client;
        client.CatalogChanged += OnCatalogChanged;
        await RefreshAsync(ct).ConfigureAwait(false);
    }

    private async Task ConnectLaterAsync(CancellationToken ct)
    {
        var delay = TimeSpan.FromMilliseconds(250);
        while (!ct.IsCancellationRequested && _client is null)
        {
            try
            {
                await Task.Delay(delay, ct).ConfigureAwait(false);
                await ConnectAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception)
            {
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxConnectDelay.Ticks));
            }
        }
    }

    public void Stop()
    {
        _stop.Cancel();
        if (_client is { } client)
        {
            client.CatalogChanged -= OnCatalogChanged;
        }
    }

    /// <summary>Rebuilds the set from the catalog and the registry; changes are announced once per refresh.</summary>
    public async Task RefreshAsync(CancellationToken ct = default)
    {
        await _refreshing.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            Volatile.Write(ref _pending, 0);
            var wanted = new Dictionary<string, MeshAgentTool>(StringComparer.Ordinal);
            var existing = Tools.ToArray().OfType<MeshAgentTool>().ToDictionary(t => t.Contract.Name, StringComparer.Ordinal);
            if (_client is not { } client)
            {
                return; // not connected yet: nothing to export
            }

            var entries = await client.CatalogAsync(new CatalogFilter { Invocable = true, Streaming = false }, ct).ConfigureAwait(false);
            foreach (var entry in entries)
            {
                if (await ToolForAsync(client, entry.Name, existing, ct).ConfigureAwait(false) is { } tool)
                {
                    if (!wanted.TryAdd(tool.ProtocolTool.Name, tool))
                    {
                        LogNameCollision(logger, tool.ProtocolTool.Name, wanted[tool.ProtocolTool.Name].Contract.Name, entry.Name);
                    }
                }
            }

            using (Tools.DeferChangedEvents())
            {
                foreach (var tool in Tools.ToArray())
                {
                    if (!wanted.TryGetValue(tool.ProtocolTool.Name, out var keep) || !ReferenceEquals(keep, tool))
                    {
                        Tools.Remove(tool);
                    }
                }

                foreach (var tool in wanted.Values)
                {
                    Tools.TryAdd(tool);
                }
            }
        }
        finally
        {
            _refreshing.Release();
        }
    }

    private async Task<MeshAgentTool?> ToolForAsync(MeshClient client, string agent, Dictionary<string, MeshAgentTool> existing, CancellationToken ct)
    {
        AgentContract contract;
        try
        {
            contract = await client.ContractAsync(agent, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is MeshException or ArgumentException)
        {
            return null; // deregistered since the catalog was read, or not a contract: not exported
        }

        if (!contract.Invocable || contract.Streaming || !(contract.Mcp ?? _options.DefaultExport))
        {
            return null;
        }

        if (existing.TryGetValue(agent, out var current) && current.Describes(contract))
        {
            return current;
        }

        try
        {
            return await MeshAgentTool.CreateAsync(client, contract).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.Text.Json.JsonException)
        {
            LogNotExported(logger, agent, e.Message);
            return null;
        }
    }

    private void OnCatalogChanged()
    {
        // Coalesce bursts of catalog updates (a silo registering many agents) into few refreshes.
        if (Interlocked.Exchange(ref _pending, 1) == 1)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await RefreshAsync().ConfigureAwait(false);
            }
            catch (Exception e)
            {
                LogRefreshFailed(logger, e);
            }
        });
    }

    public void Dispose()
    {
        Stop();
        _stop.Dispose();
        _refreshing.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Tool name '{Tool}' of agent '{Second}' collides with agent '{First}'; only '{First}' is exported")]
    private static partial void LogNameCollision(ILogger logger, string tool, string first, string second);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Agent '{Agent}' is not exported over MCP: {Reason}")]
    private static partial void LogNotExported(ILogger logger, string agent, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The mesh cannot be reached yet: serving no MCP tools until it can")]
    private static partial void LogMeshUnreachable(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Refreshing the MCP tool list from the catalog failed")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);
}
