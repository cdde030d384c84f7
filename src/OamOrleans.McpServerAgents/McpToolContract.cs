using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using OamOrleans.Protocol;

namespace OamOrleans.McpServerAgents;

/// <summary>How an MCP tool becomes a mesh agent: its name <c>mcp.{server}.{tool}</c> and its contract.</summary>
internal static class McpToolContract
{
    /// <summary>
    /// The agent name of <paramref name="tool"/>: every character outside <c>[a-zA-Z0-9_-]</c> (dots included, so the
    /// tool stays one name segment) becomes <c>_</c>. Null when nothing usable is left.
    /// </summary>
    public static string? AgentName(string server, string tool)
    {
        var segment = new StringBuilder(tool.Length);
        foreach (var c in tool)
        {
            segment.Append(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' ? c : '_');
        }

        return segment.Length == 0 || segment.ToString().All(c => c == '_') ? null : $"mcp.{server}.{segment}";
    }

    public static AgentContract For(string agent, string server, Tool tool, string registeredAt) => new()
    {
        Name = agent,
        Description = tool.Description is { Length: > 0 } d ? d : tool.Title is { Length: > 0 } t ? t : $"Tool '{tool.Name}' of the MCP server '{server}'.",
        Tags = ["mcp", server],
        Invocable = true,
        Streaming = false,
        InputSchema = Schema(tool.InputSchema),
        OutputSchema = tool.OutputSchema is { } output ? Schema(output) : null,
        RegisteredAt = registeredAt,
        // Already an MCP tool: `oam mcp serve` must not export it again (a server bridged both ways would loop).
        Mcp = false,
    };

    /// <summary>True when both contracts describe the same agent (a restart need not rewrite the registry).</summary>
    public static bool Same(AgentContract a, AgentContract b) =>
        a.Description == b.Description && JsonNode.DeepEquals(a.InputSchema, b.InputSchema) && JsonNode.DeepEquals(a.OutputSchema, b.OutputSchema);

    private static JsonNode? Schema(JsonElement schema) => schema.ValueKind == JsonValueKind.Object ? JsonNode.Parse(schema.GetRawText()) : null;
}
