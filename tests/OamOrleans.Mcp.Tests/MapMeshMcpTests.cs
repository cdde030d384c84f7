using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Client;
using OamOrleans.Client;
using OamOrleans.Hosting;
using OamOrleans.Protocol;

namespace OamOrleans.Mcp.Tests;

/// <summary>The MCP tool set mounted in an ASP.NET Core host (as a silo's web port mounts it), not in <c>oam</c>.</summary>
[Trait("Category", "Integration")]
public sealed class MapMeshMcpTests
{
    [Fact]
    public async Task A_host_that_starts_before_nats_serves_no_tools_then_the_mesh_agents_once_nats_is_up()
    {
        var natsPort = NatsServer.FreePort();
        var httpPort = NatsServer.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{httpPort}");
        builder.Services.AddMeshClient($"nats://127.0.0.1:{natsPort}", o =>
        {
            o.ConnectTimeout = TimeSpan.FromSeconds(1);
            o.Retry = MeshRetryOptions.None; // the unserved tool below answers not_available at once
        });
        builder.Services.AddMeshMcpServer().WithHttpTransport(o => o.SessionMode = HttpServerSessionMode.StatefulForInitializeClients);
        await using var app = builder.Build();
        app.MapMeshMcp("/mcp");
        await app.StartAsync(); // NATS is not there yet: the host starts anyway

        await using var client = await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri($"http://127.0.0.1:{httpPort.ToString(CultureInfo.InvariantCulture)}/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
        }));
        Assert.Empty(await client.ListToolsAsync());

        await using var nats = await NatsServer.StartAsync(port: natsPort);
        await using var mesh = await MeshClient.ConnectAsync(nats.Url);
        var registry = await MeshRegistry.OpenAsync(mesh.Connection);
        await registry.RegisterAsync(new AgentContract
        {
            Name = "mcptest.mounted",
            Description = "Registered once NATS is up.",
            InputSchema = JsonNode.Parse("""{"type":"object","properties":{"q":{"type":"string"}},"required":["q"]}"""),
            RegisteredAt = MeshIds.Now(),
        });

        await Poll.UntilAsync(async () => (await client.ListToolsAsync()).Any(t => t.Name == "mcptest_mounted"), "the mounted MCP endpoint lists mcptest_mounted", TimeSpan.FromSeconds(30));

        // Nobody serves the agent: the call reaches the mesh and comes back as a mesh error.
        var result = await client.CallToolAsync("mcptest_mounted", new Dictionary<string, object?> { ["q"] = "x" });
        Assert.True(result.IsError);
        Assert.StartsWith("not_available: ", McpServeTests.Text(result), StringComparison.Ordinal);
        await app.StopAsync();
    }
}
