using Microsoft.Extensions.AI;
using OamOrleans.Protocol;

namespace OamOrleans.AI.Tests;

[Agent("test.mcp.on", Description = "Exported over MCP.", Mcp = true)]
public sealed class McpOnAgent : Agent<string, string>
{
    protected override Task<string> HandleAsync(string input, AgentContext context) => Task.FromResult(input);
}

[Agent("test.mcp.off", Description = "Never exported over MCP.", Mcp = false)]
public sealed class McpOffAgent : Agent<string, string>
{
    protected override Task<string> HandleAsync(string input, AgentContext context) => Task.FromResult(input);
}

[Agent("test.mcp.unset", Description = "The exporter's default decides.")]
public sealed class McpUnsetAgent : Agent<string, string>
{
    protected override Task<string> HandleAsync(string input, AgentContext context) => Task.FromResult(input);
}

/// <summary>
/// Streams a reply from the silo's chat client (the usage-reporting one agents get from DI) and reports a cost of its
/// own: the reply's <c>X-Mesh-Usage</c> must hold both.
/// </summary>
[Agent("test.chat.stream", Description = "Streams a model reply.")]
public sealed class StreamingChatAgent(IChatClient chat) : Agent<string, string>
{
    protected override async Task<string> HandleAsync(string input, AgentContext context)
    {
        var text = "";
        await foreach (var update in chat.GetStreamingResponseAsync(input))
        {
            text += update.Text;
        }

        context.ReportUsage(new MeshUsage { EstimatedCostUsd = 0.25 });
        return text;
    }
}
