using System.CommandLine;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.AspNetCore;
using OamOrleans.Client;
using OamOrleans.Hosting;

namespace OamOrleans.Cli;

/// <summary>
/// <c>oam mcp serve</c>: the mesh's invocable, non-streaming agents as MCP tools, over stdio (as the reference) or MCP
/// streamable HTTP (<c>--http PORT</c>). The tool list follows the catalog and announces changes.
/// </summary>
internal static class McpCommands
{
    public static Command Build() => new("mcp", "Bridge the mesh to the Model Context Protocol.")
    {
        Serve(),
    };

    private static Command Serve()
    {
        var defaultExport = new Option<bool>("--default-export")
        {
            Description = "Export agents that do not set x-agentmesh.mcp (the default); --no-default-export exports only opted-in agents.",
            DefaultValueFactory = _ => true,
        };
        var noDefaultExport = new Option<bool>("--no-default-export") { Description = "Export only agents whose contract sets x-agentmesh.mcp: true." };
        var http = new Option<int?>("--http") { Description = "Serve MCP streamable HTTP on this port (at /mcp on 127.0.0.1) instead of stdio." };
        var host = new Option<string>("--host") { Description = "Address to bind with --http.", DefaultValueFactory = _ => "127.0.0.1" };
        var command = new Command("serve", "Serve the mesh's agents as MCP tools (stdio by default).") { defaultExport, noDefaultExport, http, host };
        OamCli.SetAction(command, async (parse, ct) =>
        {
            if (parse.GetResult(defaultExport) is { Implicit: false } && parse.GetValue(noDefaultExport))
            {
                throw new UsageException("Use either --default-export or --no-default-export, not both.");
            }

            var port = parse.GetValue(http);
            if (port is < 1 or > 65535)
            {
                throw new UsageException($"--http must be a TCP port (1-65535), got {port}");
            }

            var export = !parse.GetValue(noDefaultExport);
            await using var client = await OamCli.ConnectAsync(parse, ct);
            if (port is { } p)
            {
                await ServeHttpAsync(parse.Stderr(), client, export, parse.GetValue(host)!, p, ct);
            }
            else
            {
                await ServeStdioAsync(client, export, ct);
            }

            return OamCli.Ok;
        });
        return command;
    }

    private static async Task ServeStdioAsync(MeshClient client, bool defaultExport, CancellationToken ct)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        ConfigureLogging(builder.Logging);
        builder.Services.AddSingleton(client);
        builder.Services.AddMeshMcpServer(o => o.DefaultExport = defaultExport).WithStdioServerTransport();
        using var app = builder.Build();
        // The stdio transport ends the host when the client closes stdin.
        await app.RunAsync(ct);
    }

    private static async Task ServeHttpAsync(TextWriter stderr, MeshClient client, bool defaultExport, string host, int port, CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder();
        ConfigureLogging(builder.Logging);
        builder.WebHost.UseUrls($"http://{(host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host)}:{port}");
        builder.Services.AddSingleton(client);
        builder.Services.AddMeshMcpServer(o => o.DefaultExport = defaultExport)
            // Sessions, so that tools/list_changed can reach clients that keep the GET stream open.
            .WithHttpTransport(o => o.SessionMode = HttpServerSessionMode.StatefulForInitializeClients);
        await using var app = builder.Build();
        app.MapMeshMcp();
        await app.StartAsync(ct);
        stderr.WriteLine($"MCP over HTTP at http://{host}:{port}/mcp (Ctrl-C to stop)");
        await app.WaitForShutdownAsync(ct);
    }

    /// <summary>stdout belongs to the MCP transport: every log line goes to stderr, warnings and up.</summary>
    private static void ConfigureLogging(ILoggingBuilder logging)
    {
        logging.ClearProviders();
        logging.SetMinimumLevel(LogLevel.Warning);
        logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
    }
}
