using System.Text.Json.Nodes;
using OamOrleans.Client;
using OamOrleans.Protocol;

namespace OamOrleans.Cli.Tests;

/// <summary><c>oam agent tool</c> and <c>oam agent card</c>, run as a process against a real silo and nats-server.</summary>
[Collection(MeshCollection.Name)]
[Trait("Category", "Integration")]
public sealed class AgentToolCommandTests(MeshFixture mesh)
{
    private async Task<AgentContract> ContractAsync(string agent)
    {
        await using var client = await MeshClient.ConnectAsync(mesh.Url);
        return await client.ContractAsync(agent);
    }

    private static JsonNode Output(OamResult r)
    {
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("", r.Stderr);
        return JsonNode.Parse(r.Stdout)!;
    }

    [Fact]
    public async Task Tool_prints_the_provider_neutral_tool_of_the_published_contract()
    {
        var printed = Output(await mesh.Oam("agent", "tool", "demo.echo"));

        Assert.True(JsonNode.DeepEquals((await ContractAsync("demo.echo")).ToToolSchema(), printed), printed.ToJsonString());
        Assert.Equal("demo_echo", (string)printed["name"]!);
        Assert.Equal("Echoes a message.\nReturns: reply.", (string)printed["description"]!);
    }

    [Theory]
    [InlineData("anthropic", false)]
    [InlineData("openai", false)]
    [InlineData("openai-responses", true)]
    public async Task Tool_prints_each_provider_format(string format, bool strict)
    {
        string[] args = strict ? ["agent", "tool", "demo.counter", "--format", format, "--strict"] : ["agent", "tool", "demo.counter", "--format", format];

        var printed = Output(await mesh.Oam(args));

        var contract = await ContractAsync("demo.counter");
        var expected = format switch
        {
            "anthropic" => contract.ToAnthropicTool(),
            "openai" => contract.ToOpenAITool(),
            _ => contract.ToOpenAITool(OpenAIToolApi.Responses, strict: true),
        };
        Assert.True(JsonNode.DeepEquals(expected, printed), printed.ToJsonString());
    }

    [Fact]
    public async Task Strict_openai_tool_of_demo_counter_is_the_reference_worked_example()
    {
        var printed = Output(await mesh.Oam("agent", "tool", "demo.counter", "--format", "openai", "--strict"));

        Assert.True((bool)printed["function"]!["strict"]!);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""
            {"type": "object", "properties": {"conversation": {"type": ["null", "string"]}}, "additionalProperties": false, "required": ["conversation"]}
            """), printed["function"]!["parameters"]));
    }

    [Fact]
    public async Task Tool_of_a_publisher_is_an_invocation_mismatch_with_exit_code_1()
    {
        var r = await mesh.Oam("agent", "tool", "demo.ticker");

        Assert.Equal(1, r.ExitCode);
        Assert.Equal("", r.Stdout);
        Assert.Equal("Error [invocation_mismatch] Agent 'demo.ticker' is not invocable (publisher)\n", r.Stderr);
    }

    [Theory]
    [InlineData("--strict")]
    [InlineData("--format", "xml")]
    public async Task Tool_with_bad_options_exits_2(params string[] options)
    {
        var r = await mesh.Oam(["agent", "tool", "demo.echo", .. options]);

        Assert.Equal(2, r.ExitCode);
        Assert.Equal("", r.Stdout);
        Assert.NotEqual("", r.Stderr);
    }

    [Fact]
    public async Task Card_prints_the_registry_document_without_x_agentmesh_for_a_publisher_too()
    {
        var printed = Output(await mesh.Oam("agent", "card", "demo.ticker", "--card-url", "https://agents.example.com/ticker"));

        var contract = await ContractAsync("demo.ticker");
        Assert.True(JsonNode.DeepEquals(contract.ToAgentCard("https://agents.example.com/ticker"), printed), printed.ToJsonString());
        Assert.False(printed.AsObject().ContainsKey("x-agentmesh"));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"streaming": true, "invocable": false}"""), printed["capabilities"]));
    }

    [Fact]
    public async Task Card_without_a_card_url_has_no_url()
    {
        var printed = Output(await mesh.Oam("agent", "card", "demo.echo"));

        Assert.False(printed.AsObject().ContainsKey("url"));
        Assert.Equal("demo.echo", (string)printed["skills"]![0]!["id"]!);
    }

    [Fact]
    public async Task Card_with_a_relative_card_url_exits_2()
    {
        var r = await mesh.Oam("agent", "card", "demo.echo", "--card-url", "not a url");

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--card-url must be an absolute URL", r.Stderr, StringComparison.Ordinal);
    }
}
