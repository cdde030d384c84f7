using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit;

namespace OamOrleans.Protocol.Tests;

/// <summary>The reference's tool-conversion tests (tests/test_tool_conversion.py), ported case by case, plus our strict-null rule.</summary>
public sealed class ToolConversionTests
{
    private const string SummarizerInput = """
        {"type": "object",
         "properties": {"text": {"type": "string"}, "max_length": {"type": "integer", "default": 100}},
         "required": ["text"]}
        """;

    private static AgentContract Contract(
        string name = "summarizer",
        string description = "Summarizes text",
        string? input = SummarizerInput,
        string? output = null,
        bool invocable = true) => new()
        {
            Name = name,
            Description = description,
            Invocable = invocable,
            InputSchema = input is null ? null : JsonNode.Parse(input),
            OutputSchema = output is null ? null : JsonNode.Parse(output),
        };

    private static JsonObject Parameters(JsonObject openAiChatTool) => openAiChatTool["function"]!["parameters"]!.AsObject();

    private static string[] Strings(JsonNode? array) => array!.AsArray().Select(n => n!.GetValue<string>()).ToArray();

    // --- to_tool_schema

    [Fact]
    public void Tool_schema_is_the_name_description_input_schema_triple()
    {
        var tool = Contract().ToToolSchema();

        Assert.Equal(["name", "description", "input_schema"], tool.Select(p => p.Key));
        Assert.Equal("summarizer", (string)tool["name"]!);
        Assert.Equal("Summarizes text", (string)tool["description"]!);
        Assert.Equal("object", (string)tool["input_schema"]!["type"]!);
    }

    [Fact]
    public void Dots_in_the_agent_name_become_underscores()
    {
        Assert.Equal("billing_invoice_create", (string)Contract(name: "billing.invoice.create").ToToolSchema()["name"]!);
    }

    [Fact]
    public void Hyphens_in_the_agent_name_are_kept()
    {
        Assert.Equal("my-agent", (string)Contract(name: "my-agent").ToToolSchema()["name"]!);
    }

    [Fact]
    public void A_name_with_other_characters_is_refused_naming_the_rule()
    {
        var e = Assert.Throws<InvalidOperationException>(() => Contract(name: "bad name!").ToToolSchema());

        Assert.Equal("Tool name 'bad name!' (from 'bad name!') does not match ^[a-zA-Z0-9_-]{1,64}$", e.Message);
    }

    [Fact]
    public void A_name_of_65_characters_is_refused_and_64_is_accepted()
    {
        var e = Assert.Throws<InvalidOperationException>(() => Contract(name: new string('a', 65)).ToToolSchema());
        Assert.Contains("does not match", e.Message, StringComparison.Ordinal);

        Assert.Equal(new string('a', 64), (string)Contract(name: new string('a', 64)).ToToolSchema()["name"]!);
    }

    [Fact]
    public void A_name_ending_in_a_newline_is_refused()
    {
        Assert.Throws<InvalidOperationException>(() => Contract(name: "echo\n").ToToolSchema());
        Assert.Throws<ArgumentException>(() => AgentContract.ToolNameOf("echo\n"));
    }

    [Fact]
    public void ToolNameOf_sanitises_like_the_conversion_and_throws_an_argument_exception()
    {
        Assert.Equal("demo_echo", AgentContract.ToolNameOf("demo.echo"));
        var e = Assert.Throws<ArgumentException>(() => AgentContract.ToolNameOf(new string('a', 65)));
        Assert.StartsWith($"Tool name '{new string('a', 65)}' (from '{new string('a', 65)}') does not match", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Output_properties_add_a_returns_line_in_document_order()
    {
        var tool = Contract(output: """{"type": "object", "properties": {"summary": {"type": "string"}, "confidence": {"type": "number"}}}""").ToToolSchema();

        Assert.Equal("Summarizes text\nReturns: summary, confidence.", (string)tool["description"]!);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("""{"type": "string"}""")]
    [InlineData("""{"type": "object", "properties": {}}""")]
    [InlineData("{}")]
    public void Without_output_properties_the_description_is_unchanged(string? output)
    {
        Assert.Equal("Summarizes text", (string)Contract(output: output).ToToolSchema()["description"]!);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("{}")]
    public void No_input_schema_gives_an_empty_object_schema(string? input)
    {
        var tool = Contract(input: input).ToToolSchema();

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"type": "object", "properties": {}}"""), tool["input_schema"]));
    }

    [Fact]
    public void A_publisher_is_refused_by_every_tool_conversion()
    {
        var publisher = Contract(name: "demo.ticker", invocable: false);

        foreach (var convert in new Func<JsonObject>[] { publisher.ToToolSchema, publisher.ToAnthropicTool, () => publisher.ToOpenAITool(), () => publisher.ToOpenAITool(OpenAIToolApi.Responses, strict: true) })
        {
            var e = Assert.Throws<InvalidOperationException>(convert);
            Assert.Equal("Agent 'demo.ticker' is not invocable (publisher)", e.Message);
        }
    }

    [Fact]
    public void A_streaming_agent_converts_because_only_invocable_is_checked()
    {
        var streamer = Contract(name: "demo.words") with { Streaming = true };

        Assert.Equal("demo_words", (string)streamer.ToToolSchema()["name"]!);
    }

    [Fact]
    public void The_contract_schema_is_never_changed_and_results_do_not_share_it()
    {
        var contract = Contract(input: """{"type": "object", "properties": {"x": {"type": "string", "title": "X"}}}""");
        var before = contract.InputSchema!.ToJsonString();

        contract.ToToolSchema()["input_schema"]!["properties"]!["x"]!["type"] = "integer";
        contract.ToOpenAITool(strict: true);
        contract.ToOpenAITool(OpenAIToolApi.Responses, strict: true);

        Assert.Equal(before, contract.InputSchema!.ToJsonString());
    }

    // --- to_openai_tool

    [Fact]
    public void Chat_tool_wraps_the_function()
    {
        var tool = Contract().ToOpenAITool();

        Assert.Equal(["type", "function"], tool.Select(p => p.Key));
        Assert.Equal("function", (string)tool["type"]!);
        var fn = tool["function"]!.AsObject();
        Assert.Equal(["name", "description", "parameters"], fn.Select(p => p.Key));
        Assert.Equal("summarizer", (string)fn["name"]!);
        Assert.Equal("Summarizes text", (string)fn["description"]!);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(SummarizerInput), fn["parameters"]));
    }

    [Fact]
    public void Responses_tool_is_flat()
    {
        var tool = Contract().ToOpenAITool(OpenAIToolApi.Responses);

        Assert.Equal(["type", "name", "description", "parameters"], tool.Select(p => p.Key));
        Assert.Equal("summarizer", (string)tool["name"]!);
        Assert.Equal("object", (string)tool["parameters"]!["type"]!);
    }

    [Fact]
    public void Strict_sets_the_flag_inside_the_chat_function_and_it_is_absent_otherwise()
    {
        Assert.True((bool)Contract().ToOpenAITool(strict: true)["function"]!["strict"]!);
        Assert.False(Contract().ToOpenAITool()["function"]!.AsObject().ContainsKey("strict"));
        Assert.False(Contract().ToOpenAITool(OpenAIToolApi.Responses).ContainsKey("strict"));
    }

    [Fact]
    public void Strict_sets_additional_properties_false()
    {
        Assert.False((bool)Parameters(Contract().ToOpenAITool(strict: true))["additionalProperties"]!);
    }

    [Fact]
    public void Strict_requires_every_property_sorted()
    {
        Assert.Equal(["max_length", "text"], Strings(Parameters(Contract().ToOpenAITool(strict: true))["required"]));
    }

    [Fact]
    public void Strict_makes_optional_properties_nullable()
    {
        var contract = Contract(input: """{"type": "object", "properties": {"text": {"type": "string"}, "lang": {"type": "string"}}, "required": ["text"]}""");

        var properties = Parameters(contract.ToOpenAITool(strict: true))["properties"]!;

        Assert.Equal(["string", "null"], Strings(properties["lang"]!["type"]));
        Assert.Equal("string", (string)properties["text"]!["type"]!);
    }

    [Fact]
    public void Strict_strips_the_keywords_strict_mode_refuses()
    {
        var contract = Contract(input: """
            {"type": "object",
             "properties": {
               "text": {"type": "string", "title": "Text", "format": "uri", "pattern": "^https://", "minLength": 1, "maxLength": 1000, "default": "hello"},
               "count": {"type": "integer", "minimum": 0, "maximum": 100},
               "list": {"type": "array", "minItems": 1, "maxItems": 3, "items": {"type": "string", "title": "Item"}}},
             "required": ["text", "count", "list"], "title": "Input"}
            """);

        var parameters = Parameters(contract.ToOpenAITool(strict: true));

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""
            {"type": "object",
             "properties": {"text": {"type": "string"}, "count": {"type": "integer"}, "list": {"type": "array", "items": {"type": "string"}}},
             "required": ["count", "list", "text"], "additionalProperties": false}
            """), parameters), parameters.ToJsonString());
    }

    [Fact]
    public void Strict_cleans_nested_objects_and_array_items()
    {
        var contract = Contract(input: """
            {"type": "object",
             "properties": {
               "config": {"type": "object", "properties": {"verbose": {"type": "boolean"}}},
               "rows": {"type": "array", "items": {"type": "object", "properties": {"b": {"type": "string"}, "a": {"type": "integer"}}, "required": ["b"]}}},
             "required": ["config"]}
            """);

        var properties = Parameters(contract.ToOpenAITool(strict: true))["properties"]!;

        Assert.False((bool)properties["config"]!["additionalProperties"]!);
        Assert.Equal(["verbose"], Strings(properties["config"]!["required"]));
        Assert.Equal(["boolean", "null"], Strings(properties["config"]!["properties"]!["verbose"]!["type"]));
        Assert.Equal(["array", "null"], Strings(properties["rows"]!["type"]));
        var item = properties["rows"]!["items"]!;
        Assert.False((bool)item["additionalProperties"]!);
        Assert.Equal(["a", "b"], Strings(item["required"]));
        Assert.Equal(["integer", "null"], Strings(item["properties"]!["a"]!["type"]));
    }

    [Fact]
    public void Strict_on_responses_sets_the_top_level_flag_and_cleans()
    {
        var tool = Contract().ToOpenAITool(OpenAIToolApi.Responses, strict: true);

        Assert.Equal(["type", "name", "description", "parameters", "strict"], tool.Select(p => p.Key));
        Assert.True((bool)tool["strict"]!);
        Assert.False((bool)tool["parameters"]!["additionalProperties"]!);
    }

    [Fact]
    public void Strict_adds_null_once_to_a_type_list_where_the_reference_nests_it()
    {
        var contract = Contract(input: """
            {"type": "object",
             "properties": {"a": {"type": ["null", "string"]}, "b": {"type": ["integer", "string"]}, "c": {"type": "null"}, "d": {"type": []}, "e": {"description": "no type"}}}
            """);

        var properties = Parameters(contract.ToOpenAITool(strict: true))["properties"]!;

        Assert.Equal(["null", "string"], Strings(properties["a"]!["type"]));
        Assert.Equal(["integer", "string", "null"], Strings(properties["b"]!["type"]));
        Assert.Equal("null", (string)properties["c"]!["type"]!);
        Assert.Empty(properties["d"]!["type"]!.AsArray());
        Assert.False(properties["e"]!.AsObject().ContainsKey("type"));
    }

    [Fact]
    public void Strict_does_not_descend_into_defs_or_combinators()
    {
        const string Input = """
            {"type": "object",
             "properties": {"p": {"anyOf": [{"type": "string", "title": "S"}], "title": "P"}},
             "required": ["p"],
             "$defs": {"D": {"type": "object", "title": "D", "properties": {"x": {"type": "string"}}}}}
            """;

        var parameters = Parameters(Contract(input: Input).ToOpenAITool(strict: true));

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"anyOf": [{"type": "string", "title": "S"}]}"""), parameters["properties"]!["p"]));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(Input)!["$defs"], parameters["$defs"]));
    }

    [Fact]
    public void Strict_on_a_scalar_input_only_strips_keywords()
    {
        var parameters = Contract(input: """{"type": "string", "minLength": 1, "title": "Name"}""").ToOpenAITool(strict: true)["function"]!["parameters"];

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"type": "string"}"""), parameters));
    }

    [Fact]
    public void Strict_on_an_object_without_properties_requires_nothing()
    {
        var parameters = Parameters(Contract(input: null).ToOpenAITool(strict: true));

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"type": "object", "properties": {}, "additionalProperties": false, "required": []}"""), parameters));
    }

    [Fact]
    public void Strict_counter_example_of_the_reference_file()
    {
        // demo.counter's input as the silo publishes it: the optional string? is already nullable.
        var counter = Contract(name: "demo.counter", input: """{"type": "object", "properties": {"conversation": {"type": ["null", "string"]}}}""");

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""
            {"type": "object", "properties": {"conversation": {"type": ["null", "string"]}}, "additionalProperties": false, "required": ["conversation"]}
            """), Parameters(counter.ToOpenAITool(strict: true))), "the reference's worked example");
    }

    [Fact]
    public void OpenAI_dots_in_the_name_become_underscores()
    {
        Assert.Equal("finance_scorer", (string)Contract(name: "finance.scorer").ToOpenAITool()["function"]!["name"]!);
    }

    // --- to_anthropic_tool

    [Fact]
    public void Anthropic_tool_is_flat_without_type_or_function()
    {
        var tool = Contract().ToAnthropicTool();

        Assert.Equal(["name", "description", "input_schema"], tool.Select(p => p.Key));
        Assert.False(tool.ContainsKey("type"));
        Assert.False(tool.ContainsKey("function"));
        Assert.Equal("string", (string)tool["input_schema"]!["properties"]!["text"]!["type"]!);
    }

    [Fact]
    public void Anthropic_tool_has_the_dot_rule_and_the_returns_line()
    {
        var tool = Contract(name: "billing.invoice", output: """{"type": "object", "properties": {"result": {"type": "string"}}}""").ToAnthropicTool();

        Assert.Equal("billing_invoice", (string)tool["name"]!);
        Assert.Equal("Summarizes text\nReturns: result.", (string)tool["description"]!);
    }

    [Fact]
    public void A_dotted_and_an_underscored_name_collide_as_in_the_reference()
    {
        Assert.Equal((string)Contract(name: "finance.scorer").ToToolSchema()["name"]!, (string)Contract(name: "finance_scorer").ToToolSchema()["name"]!);
    }

    [Fact]
    public void Every_result_is_plain_json()
    {
        var contract = Contract(output: """{"type": "object", "properties": {"s": {"type": "string"}}}""");

        foreach (var doc in new[] { contract.ToToolSchema(), contract.ToAnthropicTool(), contract.ToOpenAITool(), contract.ToOpenAITool(OpenAIToolApi.Responses, true), contract.ToAgentCard("https://x") })
        {
            using var parsed = JsonDocument.Parse(doc.ToJsonString());
            Assert.Equal(JsonValueKind.Object, parsed.RootElement.ValueKind);
        }
    }
}
