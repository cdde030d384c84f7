using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit;

namespace OamOrleans.Protocol.Tests;

/// <summary>The reference's agent-card tests (tests/test_agent_card.py), ported case by case.</summary>
public sealed class AgentCardTests
{
    private static AgentContract Contract() => new()
    {
        Name = "summarizer",
        Description = "Summarizes input text",
        Version = "1.0.0",
        Tags = ["text", "summarization"],
        InputSchema = JsonNode.Parse("""{"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]}"""),
        OutputSchema = JsonNode.Parse("""{"type": "object", "properties": {"summary": {"type": "string"}}}"""),
        RegisteredAt = "2026-12-02T01:00:00.000000+00:00",
        Mcp = true,
    };

    [Fact]
    public void Card_is_the_registry_document_without_x_agentmesh()
    {
        var contract = Contract();
        var registry = JsonNode.Parse(contract.ToJsonBytes())!.AsObject();
        Assert.True(registry.ContainsKey("x-agentmesh"));

        var card = contract.ToAgentCard();

        Assert.False(card.ContainsKey("x-agentmesh"));
        registry.Remove("x-agentmesh");
        Assert.True(JsonNode.DeepEquals(registry, card), card.ToJsonString());
        Assert.Equal(["name", "description", "version", "capabilities", "skills"], card.Select(p => p.Key));
    }

    [Fact]
    public void Card_has_the_a2a_top_level_fields()
    {
        var card = Contract().ToAgentCard();

        Assert.Equal("summarizer", (string)card["name"]!);
        Assert.Equal("Summarizes input text", (string)card["description"]!);
        Assert.Equal("1.0.0", (string)card["version"]!);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"streaming": false, "invocable": true}"""), card["capabilities"]));
        var skill = card["skills"]![0]!;
        Assert.Equal("summarizer", (string)skill["id"]!);
        Assert.Equal("text", (string)skill["inputSchema"]!["required"]![0]!);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"type": "string"}"""), skill["outputSchema"]!["properties"]!["summary"]));
    }

    [Fact]
    public void Url_is_added_when_given()
    {
        Assert.Equal("https://agents.example.com/summarizer", (string)Contract().ToAgentCard("https://agents.example.com/summarizer")["url"]!);
    }

    [Fact]
    public void Url_is_absent_by_default()
    {
        Assert.False(Contract().ToAgentCard().ContainsKey("url"));
    }

    [Fact]
    public void A_publisher_contract_projects_too()
    {
        var card = (Contract() with { Invocable = false, Streaming = true }).ToAgentCard();

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"streaming": true, "invocable": false}"""), card["capabilities"]));
    }

    [Fact]
    public void Empty_schemas_are_left_out_of_the_skill()
    {
        var card = (Contract() with { InputSchema = null, OutputSchema = new JsonObject() }).ToAgentCard();

        var skill = card["skills"]![0]!.AsObject();
        Assert.Equal(["id", "name", "description", "tags"], skill.Select(p => p.Key));
    }

    [Fact]
    public void Card_is_json_serialisable()
    {
        var text = Contract().ToAgentCard("https://example.com/a").ToJsonString();

        using var doc = JsonDocument.Parse(text);
        Assert.Equal("https://example.com/a", doc.RootElement.GetProperty("url").GetString());
    }
}
