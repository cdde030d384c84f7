using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using OamOrleans.Cli.Tests;
using OamOrleans.Client;
using OamOrleans.Protocol;

namespace OamOrleans.Mcp.Tests;

/// <summary><c>oam mcp serve</c> over stdio, driven by the SDK's real MCP client against a real silo and nats-server.</summary>
[Collection(McpMeshCollection.Name)]
[Trait("Category", "Integration")]
public sealed class McpServeTests(McpMeshFixture mesh)
{
    [Fact]
    public async Task Lists_invocable_non_streaming_agents_with_their_description_and_schema()
    {
        var client = await mesh.SharedClientAsync();
        var tools = (await client.ListToolsAsync()).ToDictionary(t => t.Name);

        var echo = tools["demo_echo"].ProtocolTool;
        Assert.StartsWith("Echoes a message.", echo.Description!, StringComparison.Ordinal);
        Assert.Contains("Returns: reply.", echo.Description!, StringComparison.Ordinal);
        var schema = JsonNode.Parse(echo.InputSchema.GetRawText())!;
        Assert.Equal("object", schema["type"]!.GetValue<string>());
        Assert.NotNull(schema["properties"]!["message"]);
        Assert.Equal("openagentmesh", client.ServerInfo!.Name);

        Assert.DoesNotContain("demo_words", tools.Keys); // a streamer
        Assert.DoesNotContain("demo_ticker", tools.Keys); // a publisher
        Assert.DoesNotContain("demo_audit", tools.Keys); // source-only
    }

    [Fact]
    public async Task A_scalar_input_agent_is_listed_with_its_input_wrapped_as_the_required_property_input()
    {
        var client = await mesh.SharedClientAsync();
        var greet = (await client.ListToolsAsync()).Single(t => t.Name == "demo_greet").ProtocolTool;
        var schema = JsonNode.Parse(greet.InputSchema.GetRawText())!;
        Assert.Equal("object", schema["type"]!.GetValue<string>());
        Assert.Equal("string", schema["properties"]!["input"]!["type"]!.GetValue<string>());
        Assert.Equal(["input"], schema["required"]!.AsArray().Select(n => n!.GetValue<string>()));

        var result = await client.CallToolAsync("demo_greet", new Dictionary<string, object?> { ["input"] = "Ann" });
        Assert.NotEqual(true, result.IsError);
        Assert.Equal("Hello, Ann", JsonNode.Parse(Text(result))!.GetValue<string>());
    }

    [Fact]
    public async Task A_call_returns_the_agent_reply_as_json_text()
    {
        var client = await mesh.SharedClientAsync();
        var result = await client.CallToolAsync("demo_echo", new Dictionary<string, object?> { ["message"] = "hi" });
        Assert.NotEqual(true, result.IsError);
        Assert.Equal("Echo: hi", JsonNode.Parse(Text(result))!["reply"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_mesh_error_becomes_isError_with_its_code_first()
    {
        var client = await mesh.SharedClientAsync();
        var result = await client.CallToolAsync("demo_fail", new Dictionary<string, object?> { ["message"] = "x" });
        Assert.True(result.IsError);
        Assert.StartsWith("handler_error: ", Text(result), StringComparison.Ordinal);
        Assert.Contains("demo.fail refused 'x'", Text(result), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Arguments_that_break_the_input_schema_are_refused_before_the_agent_is_called()
    {
        var client = await mesh.SharedClientAsync();
        var missing = await client.CallToolAsync("demo_echo", new Dictionary<string, object?>());
        Assert.True(missing.IsError);
        Assert.StartsWith("invalid_input: ", Text(missing), StringComparison.Ordinal);
        Assert.Contains("'message' is required", Text(missing), StringComparison.Ordinal);

        var wrongType = await client.CallToolAsync("demo_echo", new Dictionary<string, object?> { ["message"] = 5 });
        Assert.True(wrongType.IsError);
        Assert.Contains("message: string expected", Text(wrongType), StringComparison.Ordinal);

        var noInput = await client.CallToolAsync("demo_greet", new Dictionary<string, object?>());
        Assert.True(noInput.IsError);
        Assert.Contains("'input' is required", Text(noInput), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_tool_is_an_error()
    {
        var client = await mesh.SharedClientAsync();
        var result = await client.CallToolAsync("no_such_tool", new Dictionary<string, object?>());
        Assert.True(result.IsError);
        Assert.Equal("Unknown tool 'no_such_tool'", Text(result));
    }

    [Fact]
    public async Task Opt_in_and_opt_out_follow_the_contract_flag_and_the_default_export_option()
    {
        await using var mc = await MeshClient.ConnectAsync(mesh.Url);
        var registry = await MeshRegistry.OpenAsync(mc.Connection);
        AgentContract Contract(string name, bool? mcp) => new()
        {
            Name = name,
            Description = "Registered by the test.",
            Mcp = mcp,
            InputSchema = JsonNode.Parse("""{"type":"object","properties":{}}"""),
            RegisteredAt = MeshIds.Now(),
        };
        await registry.RegisterAsync(Contract("mcptest.optin", true));
        await registry.RegisterAsync(Contract("mcptest.optout", false));
        try
        {
            await using (var byDefault = await mesh.ServeStdioAsync())
            {
                var names = (await byDefault.ListToolsAsync()).Select(t => t.Name).ToHashSet();
                Assert.Contains("mcptest_optin", names);
                Assert.Contains("demo_echo", names);
                Assert.DoesNotContain("mcptest_optout", names);
            }

            await using var optInOnly = await mesh.ServeStdioAsync("--no-default-export");
            var only = (await optInOnly.ListToolsAsync()).Select(t => t.Name).ToArray();
            Assert.Equal(["mcptest_optin"], only);
        }
        finally
        {
            await registry.DeregisterAsync("mcptest.optin");
            await registry.DeregisterAsync("mcptest.optout");
        }
    }

    [Theory]
    [InlineData("--http", "0")]
    [InlineData("--http", "70000")]
    [InlineData("--default-export", "--no-default-export")]
    public async Task Bad_options_exit_2_with_a_clear_message(string first, string second)
    {
        var r = await OamTool.RunAsync(["mcp", "serve", first, second], mesh.Url, cwd: mesh.WorkDir);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains(first == "--http" ? "--http must be a TCP port" : "not both", r.Stderr, StringComparison.Ordinal);
        Assert.Equal("", r.Stdout);
    }

    internal static string Text(CallToolResult result) => Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;
}
