using System.Text.Json.Nodes;
using OamOrleans.Protocol;

namespace OamOrleans.Mcp;

/// <summary>The neutral tool of a contract (<see cref="AgentContract.ToToolSchema"/>): name, description, input schema.</summary>
internal sealed record McpToolShape(string Name, string Description, JsonNode? InputSchema)
{
    /// <exception cref="InvalidOperationException">The agent is not invocable, or its name makes no valid tool name.</exception>
    public static McpToolShape From(AgentContract contract)
    {
        var tool = contract.ToToolSchema();
        return new(tool["name"]!.GetValue<string>(), tool["description"]!.GetValue<string>(), tool["input_schema"]);
    }
}
