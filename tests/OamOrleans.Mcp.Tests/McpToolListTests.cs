using System.Text.Json.Nodes;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using OamOrleans.Cli.Tests;
using OamOrleans.Hosting;

namespace OamOrleans.Mcp.Tests;

/// <summary>The exported tool list follows the catalog live, over stdio and over <c>--http</c>.</summary>
[Collection(McpMeshCollection.Name)]
[Trait("Category", "Integration")]
public sealed class McpToolListTests(McpMeshFixture mesh)
{
    [Fact]
    public async Task A_silo_joining_with_new_agents_sends_list_changed_and_its_tools_can_be_called()
    {
        // 2025-11-25: a session-wide list_changed broadcast, as today's desktop clients get it. Clients on 2026-07-28
        // receive it on the subscriptions/listen stream they open (the SDK's server does both).
        await using var client = await mesh.ServeStdioWithProtocolAsync("2025-11-25");
        Assert.DoesNotContain("mcptest_late", (await client.ListToolsAsync()).Select(t => t.Name));
        var changes = 0;
        await using var handler = client.RegisterNotificationHandler(NotificationMethods.ToolListChangedNotification, (_, _) =>
        {
            Interlocked.Increment(ref changes);
            return ValueTask.CompletedTask;
        });

        var silo = await TestSilo.StartAsync(mesh.Url, agents: s => s.AddAgent<LateAgent>());
        var joined = 0;
        try
        {
            await Poll.UntilAsync(() => Volatile.Read(ref changes) > 0, "notifications/tools/list_changed after the silo joined");
            var late = (await client.ListToolsAsync()).Single(t => t.Name == "mcptest_late");
            Assert.Contains("Returns: sum.", late.Description, StringComparison.Ordinal);
            var result = await client.CallToolAsync("mcptest_late", new Dictionary<string, object?> { ["a"] = 2, ["b"] = 3 });
            Assert.NotEqual(true, result.IsError);
            Assert.Equal(5, JsonNode.Parse(McpServeTests.Text(result))!["sum"]!.GetValue<int>());
            joined = Volatile.Read(ref changes);
        }
        finally
        {
            await silo.DisposeAsync();
        }

        await Poll.UntilAsync(() => Volatile.Read(ref changes) > joined, "notifications/tools/list_changed after the silo left");
        await Poll.UntilAsync(async () => !(await client.ListToolsAsync()).Any(t => t.Name == "mcptest_late"), "mcptest_late gone from tools/list");
    }

    [Fact]
    public async Task Http_serves_the_same_tools_over_streamable_http()
    {
        var port = NatsServer.FreePort();
        await using var oam = OamTool.StartLong(["mcp", "serve", "--http", port.ToString(System.Globalization.CultureInfo.InvariantCulture)], mesh.Url, mesh.WorkDir);
        await oam.WaitForAsync((_, err) => err.Contains("MCP over HTTP at", StringComparison.Ordinal), TimeSpan.FromSeconds(60), "the HTTP endpoint");
        await using var client = await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri($"http://127.0.0.1:{port}/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
        }));

        Assert.Contains("demo_echo", (await client.ListToolsAsync()).Select(t => t.Name));
        var result = await client.CallToolAsync("demo_echo", new Dictionary<string, object?> { ["message"] = "over http" });
        Assert.Equal("Echo: over http", JsonNode.Parse(McpServeTests.Text(result))!["reply"]!.GetValue<string>());
        var failed = await client.CallToolAsync("demo_fail", new Dictionary<string, object?> { ["message"] = "x" });
        Assert.True(failed.IsError);
        Assert.StartsWith("handler_error: ", McpServeTests.Text(failed), StringComparison.Ordinal);
    }
}
