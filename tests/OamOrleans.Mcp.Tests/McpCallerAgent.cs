using System.Text.Json;

namespace OamOrleans.Mcp.Tests;

public sealed record McpCallIn(string Agent, JsonElement Input);

/// <summary>Calls an agent by name from inside the silo (<c>context.Mesh</c>) and returns its reply.</summary>
[Agent("mcptest.caller", Description = "Calls the named agent from inside the cluster.")]
public sealed class McpCallerAgent : Agent<McpCallIn, JsonElement>
{
    protected override async Task<JsonElement> HandleAsync(McpCallIn input, AgentContext context)
    {
        var reply = await context.Mesh.CallJsonAsync(input.Agent, JsonSerializer.SerializeToUtf8Bytes(input.Input));
        return JsonDocument.Parse(reply).RootElement.Clone();
    }
}
