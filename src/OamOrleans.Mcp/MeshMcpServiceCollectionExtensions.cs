using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using OamOrleans.Mcp;

namespace OamOrleans.Hosting;

/// <summary>
/// Serves the mesh's agents as MCP tools. <see cref="AddMeshMcpServer"/> registers the tool set (it needs a
/// <c>MeshClient</c> in the container: <c>services.AddMeshClient(...)</c>); pick the transport on the returned builder,
/// <c>.WithStdioServerTransport()</c> or <c>.WithHttpTransport()</c> plus <see cref="MapMeshMcp"/>.
/// </summary>
public static class MeshMcpServiceCollectionExtensions
{
    /// <summary>
    /// Registers an MCP server named <c>openagentmesh</c> whose tools are the exported mesh agents (see
    /// <see cref="MeshMcpOptions"/>), kept equal to the catalog with <c>notifications/tools/list_changed</c> on changes.
    /// </summary>
    public static IMcpServerBuilder AddMeshMcpServer(this IServiceCollection services, Action<MeshMcpOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<MeshMcpOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton<MeshToolSet>();
        services.AddHostedService<MeshToolSetService>();
        var builder = services.AddMcpServer();
        services.AddOptions<McpServerOptions>().PostConfigure<MeshToolSet, Microsoft.Extensions.Options.IOptions<MeshMcpOptions>>((o, tools, mesh) =>
        {
            o.ServerInfo = new Implementation { Name = mesh.Value.ServerName, Version = typeof(MeshToolSet).Assembly.GetName().Version?.ToString(3) ?? "0.1.0" };
            o.ToolCollection = tools.Tools;
            o.Capabilities ??= new ServerCapabilities();
            o.Capabilities.Tools ??= new ToolsCapability();
            o.Capabilities.Tools.ListChanged = true;
            // Only names the collection does not hold get here: refresh once (the agent may have just registered).
            o.Handlers.CallToolHandler = (request, ct) => UnknownToolAsync(tools, request, ct);
        });
        return builder;
    }

    /// <summary>
    /// Maps MCP streamable HTTP at <paramref name="pattern"/> (default <c>/mcp</c>) for a server registered with
    /// <see cref="AddMeshMcpServer"/> and <c>.WithHttpTransport()</c>.
    /// </summary>
    public static IEndpointConventionBuilder MapMeshMcp(this IEndpointRouteBuilder endpoints, string pattern = "/mcp") =>
        endpoints.MapMcp(pattern);

    private static async ValueTask<CallToolResult> UnknownToolAsync(MeshToolSet tools, RequestContext<CallToolRequestParams> request, CancellationToken ct)
    {
        var name = request.Params?.Name ?? "";
        await tools.RefreshAsync(ct).ConfigureAwait(false);
        if (tools.Tools.TryGetPrimitive(name, out var tool))
        {
            request.MatchedPrimitive = tool;
            return await tool.InvokeAsync(request, ct).ConfigureAwait(false);
        }

        return MeshAgentTool.Error($"Unknown tool '{name}'");
    }
}
