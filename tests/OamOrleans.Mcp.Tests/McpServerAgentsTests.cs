using System.Diagnostics;
using System.Text.Json.Nodes;
using OamOrleans.Client;
using OamOrleans.Interop.Tests;

namespace OamOrleans.Mcp.Tests;

/// <summary>
/// <c>AddMcpServerAgents</c>: the tools of a real MCP server process become mesh agents that a foreign client (Node.js,
/// npm <c>nats</c> only) finds in the catalog and calls; killing the server gives <c>not_available</c> until the restart.
/// </summary>
[Collection(McpServerAgentsCollection.Name)]
[Trait("Category", "Integration")]
public sealed class McpServerAgentsTests(McpServerAgentsFixture mesh)
{
    private static readonly string[] Agents = ["mcp.files.add", "mcp.files.echo", "mcp.files.fail", "mcp.files.read_file"];

    [Fact]
    public async Task The_tools_of_an_mcp_server_are_agents_a_node_client_finds_and_calls()
    {
        await Poll.UntilAsync(async () => Agents.All((await CatalogAsync()).Contains), "the Node client sees mcp.files.* in the catalog", TimeSpan.FromSeconds(60), interval: TimeSpan.FromMilliseconds(250));

        var replies = await CallsAsync(
            ("mcp.files.echo", """{"text":"hi"}"""),
            ("mcp.files.add", """{"a":2,"b":3}"""),
            ("mcp.files.read_file", """{"path":"/etc/motd"}"""));
        var echo = replies[0];
        Assert.Equal("ok", (string?)echo["status"]);
        Assert.Equal("mcp.files.echo", (string?)echo["headers"]!["X-Mesh-Source"]);
        Assert.Equal("echo: hi", echo["body"]!.GetValue<string>());
        Assert.Equal(5, replies[1]["body"]!["value"]!.GetValue<int>());
        Assert.Equal("contents of /etc/motd", replies[2]["body"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_contract_comes_from_the_tool_description_and_input_schema()
    {
        await using var client = await MeshClient.ConnectAsync(mesh.Url);
        await Poll.UntilAsync(async () => (await client.CatalogAsync()).Any(e => e.Name == "mcp.files.echo"), "mcp.files.echo registered", TimeSpan.FromSeconds(60));
        var contract = await client.ContractAsync("mcp.files.echo");
        Assert.Equal("Echoes the text back.", contract.Description);
        Assert.Equal(["mcp", "files"], contract.Tags);
        Assert.True(contract.Invocable);
        Assert.False(contract.Streaming);
        Assert.Equal("string", contract.InputSchema!["properties"]!["text"]!["type"]!.GetValue<string>());
        Assert.Equal(["text"], contract.InputSchema["required"]!.AsArray().Select(n => n!.GetValue<string>()));
    }

    [Fact]
    public async Task Mcp_errors_become_mesh_errors_with_a_clear_code()
    {
        await Poll.UntilAsync(async () => Agents.All((await CatalogAsync()).Contains), "mcp.files.* in the catalog", TimeSpan.FromSeconds(60), interval: TimeSpan.FromMilliseconds(250));

        var replies = await CallsAsync(
            ("mcp.files.fail", """{"reason":"no"}"""),
            ("mcp.files.echo", "[1]"),
            ("mcp.files.echo", "{}"));
        var (failed, notAnObject, missing) = (replies[0], replies[1], replies[2]);
        Assert.Equal("error", (string?)failed["status"]);
        Assert.Equal("handler_error", (string?)failed["body"]!["code"]);
        Assert.Contains("refused: no", (string?)failed["body"]!["message"], StringComparison.Ordinal);

        Assert.Equal("invalid_input", (string?)notAnObject["body"]!["code"]);
        Assert.Contains("must be a JSON object", (string?)notAnObject["body"]!["message"], StringComparison.Ordinal);

        Assert.Equal("invalid_input", (string?)missing["body"]!["code"]);
        Assert.Contains("'text' is required", (string?)missing["body"]!["message"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_killed_mcp_server_answers_not_available_and_is_back_after_its_restart()
    {
        await Poll.UntilAsync(async () => (string?)(await CallAsync("mcp.files.echo", """{"text":"before"}"""))["status"] == "ok", "mcp.files.echo answers", TimeSpan.FromSeconds(60), interval: TimeSpan.FromMilliseconds(250));
        var pid = mesh.ServerPid() ?? throw new InvalidOperationException("the MCP test server wrote no pid file");
        using (var server = Process.GetProcessById(pid))
        {
            server.Kill();
            await server.WaitForExitAsync();
        }

        var down = await CallAsync("mcp.files.echo", """{"text":"while down"}""");
        Assert.Equal("error", (string?)down["status"]);
        Assert.Equal("not_available", (string?)down["body"]!["code"]);
        Assert.Contains("files", (string?)down["body"]!["message"], StringComparison.Ordinal);
        Assert.Contains("mcp.files.echo", await CatalogAsync()); // still registered while it restarts

        await Poll.UntilAsync(async () => (string?)(await CallAsync("mcp.files.echo", """{"text":"after"}"""))["status"] == "ok", "mcp.files.echo answers again after the restart", TimeSpan.FromSeconds(60), interval: TimeSpan.FromMilliseconds(250));
        Assert.NotEqual(pid, mesh.ServerPid());
    }

    [Fact]
    public async Task An_http_mcp_server_is_bridged_too_here_our_own_oam_mcp_serve_of_the_mesh()
    {
        await Poll.UntilAsync(async () => (await CatalogAsync()).Contains("mcp.mesh.demo_echo"), "mcp.mesh.demo_echo in the catalog", TimeSpan.FromSeconds(60), interval: TimeSpan.FromMilliseconds(250));
        var catalog = await CatalogAsync();
        Assert.DoesNotContain(catalog, n => n.StartsWith("mcp.mesh.mcp_", StringComparison.Ordinal)); // MCP-made agents are not exported back

        var replies = await CallsAsync(("mcp.mesh.demo_echo", """{"message":"round trip"}"""), ("mcp.mesh.demo_fail", """{"message":"x"}"""));
        Assert.Equal("ok", (string?)replies[0]["status"]);
        Assert.Equal("Echo: round trip", (string?)replies[0]["body"]!["reply"]);
        Assert.Equal("handler_error", (string?)replies[1]["body"]!["code"]);
        Assert.StartsWith("handler_error: ", (string?)replies[1]["body"]!["message"], StringComparison.Ordinal); // the exported tool's isError text
    }

    private async Task<string[]> CatalogAsync() =>
        JsonNode.Parse(await NodeAsync("catalog"))!.AsArray().Select(n => n!.GetValue<string>()).ToArray();

    private async Task<JsonNode> CallAsync(string agent, string payload) => JsonNode.Parse(await NodeAsync("call", agent, payload))!;

    private async Task<JsonNode[]> CallsAsync(params (string Agent, string Payload)[] calls)
    {
        var list = new JsonArray(calls.Select(c => (JsonNode)new JsonArray(c.Agent, c.Payload)).ToArray());
        return JsonNode.Parse(await NodeAsync("calls", list.ToJsonString()))!.AsArray().Select(n => n!).ToArray();
    }

    private async Task<string> NodeAsync(params string[] args)
    {
        await NodeTooling.EnsurePackagesAsync(InteropPaths.NodeSuiteDir);
        var result = await NodeTooling.NodeAsync(InteropPaths.NodeSuiteDir, ["mcp/mcp-agents.mjs", .. args], mesh.Url, TimeSpan.FromSeconds(30));
        Assert.True(result.ExitCode == 0, $"node mcp/mcp-agents.mjs {string.Join(' ', args)} exited {result.ExitCode}:\n{result.Output}");
        return result.Output.Trim().Split('\n')[^1];
    }
}
