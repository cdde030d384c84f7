using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using OamOrleans.McpServerAgents;

namespace OamOrleans.Hosting;

/// <summary>Serves the tools of MCP servers as mesh agents, callable by any OpenAgentMesh client.</summary>
public static partial class McpServerAgentsSiloBuilderExtensions
{
    /// <summary>
    /// Serves every tool of the MCP server <paramref name="server"/> as the mesh agent <c>mcp.{server}.{tool}</c> (tool
    /// names sanitised to <c>[a-zA-Z0-9_-]</c>): contract from the tool's input schema and description, calls forwarded,
    /// MCP errors answered as mesh errors. If the server dies its agents answer <c>not_available</c> while it is
    /// restarted with backoff; its tool list is re-read on every start and on <c>tools/list_changed</c>.
    /// </summary>
    /// <param name="builder">The silo.</param>
    /// <param name="server">The server's name in the agent names: one segment of <c>[a-zA-Z0-9_-]</c>.</param>
    /// <param name="configure">Sets <see cref="McpServerAgentsOptions.Command"/> (stdio) or <see cref="McpServerAgentsOptions.Url"/> (HTTP).</param>
    public static ISiloBuilder AddMcpServerAgents(this ISiloBuilder builder, string server, Action<McpServerAgentsOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        if (server is null || !ServerNameRule().IsMatch(server))
        {
            throw new ArgumentException($"MCP server name '{server}' must be one agent-name segment: letters, digits, '_' or '-'.", nameof(server));
        }

        builder.AddOpenAgentMesh();
        builder.Services.AddOptions<McpServerAgentsOptions>(server).Configure(configure).Validate(o => Problem(o) is null, $"MCP server '{server}': set exactly one of Command or Url, with positive timeouts");
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp =>
        {
            var options = sp.GetRequiredService<IOptionsMonitor<McpServerAgentsOptions>>().Get(server);
            if (Problem(options) is { } problem)
            {
                throw new OptionsValidationException(server, typeof(McpServerAgentsOptions), [$"MCP server '{server}': {problem}"]);
            }

            return new McpServerAgentsHost(server, options, sp.GetRequiredService<IDynamicAgents>(), sp.GetRequiredService<ILoggerFactory>());
        });
        return builder;
    }

    /// <summary>Serves the tools of the stdio MCP server started as <paramref name="command"/> <paramref name="arguments"/>.</summary>
    public static ISiloBuilder AddMcpServerAgents(this ISiloBuilder builder, string server, string command, params string[] arguments) =>
        builder.AddMcpServerAgents(server, o =>
        {
            o.Command = command;
            foreach (var a in arguments)
            {
                o.Arguments.Add(a);
            }
        });

    /// <summary>Serves the tools of the MCP server at the HTTP endpoint <paramref name="url"/>.</summary>
    public static ISiloBuilder AddMcpServerAgents(this ISiloBuilder builder, string server, Uri url) =>
        builder.AddMcpServerAgents(server, o => o.Url = url);

    private static string? Problem(McpServerAgentsOptions o)
    {
        if (string.IsNullOrWhiteSpace(o.Command) == (o.Url is null))
        {
            return "set exactly one of Command (a stdio server) or Url (an HTTP server)";
        }

        if (o.Url is { IsAbsoluteUri: false } or { Scheme: not ("http" or "https") })
        {
            return $"Url must be an absolute http(s) URL, got '{o.Url}'";
        }

        if (o.CallTimeout <= TimeSpan.Zero || o.RestartDelay <= TimeSpan.Zero || o.MaxRestartDelay < o.RestartDelay)
        {
            return "CallTimeout and RestartDelay must be positive and MaxRestartDelay at least RestartDelay";
        }

        return o.MaxConcurrentCalls < 1 ? "MaxConcurrentCalls must be at least 1" : null;
    }

    [GeneratedRegex("^[a-zA-Z0-9_-]+$")]
    private static partial Regex ServerNameRule();
}
