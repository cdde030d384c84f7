using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using OamOrleans.Client;

namespace OamOrleans.AI.Tests;

/// <summary>
/// <see cref="MeshClient.GetAIFunctionsAsync"/> against real agents on a real silo over NATS, driven by Microsoft.Extensions.AI's
/// own <see cref="FunctionInvokingChatClient"/> and a scripted model.
/// </summary>
[Collection(AIMeshCollection.Name)]
[Trait("Category", "Integration")]
public sealed class AIFunctionTests(AIMeshFixture mesh)
{
    private static JsonNode Schema(AIFunction f) => JsonNode.Parse(f.JsonSchema.GetRawText())!;

    private static ChatMessage Script(params string[] lines) => new(ChatRole.User, string.Join('\n', lines));

    [Fact]
    public async Task Catalog_agents_become_functions_with_name_description_and_schema_from_the_contract()
    {
        var functions = (await mesh.Client.GetAIFunctionsAsync(new MeshToolOptions { Channel = "demo" })).ToDictionary(f => f.Name);

        var echo = functions["demo_echo"];
        Assert.Equal("Echoes a message.\nReturns: reply.", echo.Description);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"title": "EchoIn", "type": "object", "required": ["message"], "properties": {"message": {"title": "Message", "type": "string"}}}"""), Schema(echo)), Schema(echo).ToJsonString());
        Assert.Equal("demo.echo", echo.AdditionalProperties["oam.agent"]);
        Assert.NotNull(echo.ReturnJsonSchema);

        // A scalar input is offered as the required property "input"; no input is an empty object.
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"type": "object", "properties": {"input": {"type": "string"}}, "required": ["input"]}"""), Schema(functions["demo_greet"])));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"type": "object", "properties": {}}"""), Schema(functions["demo_clock"])));

        // Only what a model can call with one reply: no streamer, publisher or source-only agent.
        Assert.DoesNotContain("demo_words", functions.Keys);
        Assert.DoesNotContain("demo_ticker", functions.Keys);
        Assert.DoesNotContain("demo_audit", functions.Keys);
        Assert.DoesNotContain("demo_settings", functions.Keys);
        Assert.All(functions.Keys, name => Assert.StartsWith("demo_", name, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Functions_filter_by_channel_tags_and_names()
    {
        var byChannel = await mesh.Client.GetAIFunctionsAsync(new MeshToolOptions { Channel = "test.mcp" });
        Assert.Equal(["test_mcp_off", "test_mcp_on", "test_mcp_unset"], byChannel.Select(f => f.Name).Order(StringComparer.Ordinal));

        var byTags = await mesh.Client.GetAIFunctionsAsync(new MeshToolOptions { Tags = ["demo", "text"] });
        Assert.Equal(["demo_echo", "demo_shout", "demo_upper"], byTags.Select(f => f.Name).Order(StringComparer.Ordinal));

        var byNames = await mesh.Client.GetAIFunctionsAsync(new MeshToolOptions { Names = ["demo.greet", "demo.words", "demo.not-there"] });
        Assert.Equal(["demo_greet"], byNames.Select(f => f.Name));
    }

    [Fact]
    public async Task A_single_function_is_refused_for_agents_a_model_cannot_call()
    {
        Assert.Equal("demo_echo", (await mesh.Client.GetAIFunctionAsync("demo.echo")).Name);
        var publisher = await Assert.ThrowsAsync<InvocationMismatchException>(async () => await mesh.Client.GetAIFunctionAsync("demo.ticker"));
        Assert.Equal("Agent 'demo.ticker' is not invocable (publisher)", publisher.Message);
        await Assert.ThrowsAsync<InvocationMismatchException>(async () => await mesh.Client.GetAIFunctionAsync("demo.words"));
        await Assert.ThrowsAsync<NotFoundException>(async () => await mesh.Client.GetAIFunctionAsync("demo.not-there"));
    }

    [Fact]
    public async Task The_model_calls_agents_over_the_mesh_and_a_failing_agent_becomes_a_result_naming_its_code()
    {
        var tools = await mesh.Client.GetAIFunctionsAsync(new MeshToolOptions { Channel = "demo" });
        using var chat = new ChatClientBuilder(new ScriptedChatClient()).UseFunctionInvocation().Build();

        var response = await chat.GetResponseAsync(
            [Script(
                """call demo_echo {"message": "hi"}""",
                """call demo_fail {"message": "boom"}""",
                """call demo_greet {"input": "Ann"}""",
                """call demo_counter {"conversation": "ai-1"}""")],
            new ChatOptions { Tools = [.. tools] });

        var results = Results(response);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"reply": "Echo: hi"}"""), results["demo_echo"]));
        Assert.Equal("Hello, Ann", (string)results["demo_greet"]!);
        Assert.Equal(1, (int)results["demo_counter"]!["count"]!);
        var error = results["demo_fail"]!["error"]!;
        Assert.Equal("handler_error", (string)error["code"]!);
        Assert.Equal("demo.fail refused 'boom'", (string)error["message"]!);
        Assert.Equal("demo.fail", (string)error["agent"]!);

        // The conversation went on after the failure: the model answered from all four results.
        var answer = response.Text;
        Assert.Contains("demo_fail={\"error\":{\"code\":\"handler_error\"", answer, StringComparison.Ordinal);
        Assert.Contains("demo_echo={\"reply\":\"Echo: hi\"}", answer, StringComparison.Ordinal);
        Assert.Equal(ChatRole.Assistant, response.Messages[^1].Role);
    }

    [Fact]
    public async Task Input_the_agent_refuses_comes_back_as_invalid_input_with_the_schema_errors()
    {
        var echo = await mesh.Client.GetAIFunctionAsync("demo.echo");

        var result = await echo.InvokeAsync(new AIFunctionArguments { ["text"] = "no message" });

        var error = JsonNode.Parse(((JsonElement)result!).GetRawText())!["error"]!;
        Assert.Equal("invalid_input", (string)error["code"]!);
        Assert.Equal("missing", (string)error["details"]!["errors"]![0]!["type"]!);
    }

    [Fact]
    public async Task A_closed_gate_comes_back_as_not_available()
    {
        // A short deadline: the client retries not_available until then, in case a host comes back.
        var upper = await mesh.Client.GetAIFunctionAsync("demo.upper", new MeshToolOptions { CallTimeout = TimeSpan.FromSeconds(2) });

        var result = await upper.InvokeAsync(new AIFunctionArguments { ["input"] = "hi" });

        Assert.Equal("not_available", (string)JsonNode.Parse(((JsonElement)result!).GetRawText())!["error"]!["code"]!);
    }

    [Fact]
    public async Task Arguments_given_as_plain_dotnet_values_are_sent_as_json()
    {
        var greet = await mesh.Client.GetAIFunctionAsync("demo.greet");
        var sleep = await mesh.Client.GetAIFunctionAsync("demo.sleep");
        var clock = await mesh.Client.GetAIFunctionAsync("demo.clock");

        Assert.Equal("Hello, Bo", ((JsonElement)(await greet.InvokeAsync(new AIFunctionArguments { ["input"] = "Bo" }))!).GetString());
        Assert.Equal(1, ((JsonElement)(await sleep.InvokeAsync(new AIFunctionArguments { ["ms"] = 1 }))!).GetProperty("slept").GetInt32());
        Assert.Equal(JsonValueKind.String, ((JsonElement)(await clock.InvokeAsync(new AIFunctionArguments()))!).GetProperty("utc").ValueKind);
    }

    /// <summary>Each tool's result by tool name, as the model received it.</summary>
    internal static Dictionary<string, JsonNode?> Results(ChatResponse response)
    {
        var names = response.Messages.SelectMany(m => m.Contents.OfType<FunctionCallContent>()).ToDictionary(c => c.CallId, c => c.Name);
        return response.Messages.SelectMany(m => m.Contents.OfType<FunctionResultContent>())
            .ToDictionary(r => names[r.CallId], r => JsonNode.Parse(JsonSerializer.Serialize(r.Result, ScriptedChatClient.Compact)));
    }
}
