using System.Reflection;
using System.Text.Json;
using ModelContextProtocol.Client;

namespace OamOrleans.Bench;

/// <summary>
/// The MCP export path: a real MCP client talking stdio to a real <c>oam mcp serve</c> process, which calls the agent
/// over the mesh (tools/call demo_echo → argument check → NATS request → bridge → grain, and back as JSON text).
/// </summary>
internal sealed class McpExport : IAsyncDisposable
{
    private static readonly Dictionary<string, object?> EchoArguments = new() { ["message"] = JsonSerializer.SerializeToElement("hello") };
    private readonly McpClient _client;

    private McpExport(McpClient client) => _client = client;

    public static async Task<McpExport> StartAsync(string natsUrl)
    {
        var oam = typeof(McpExport).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "OamCliDll").Value!;
        var transport = new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = "oam",
            Command = "dotnet",
            Arguments = [oam, "mcp", "serve", "--url", natsUrl],
        });
        return new McpExport(await McpClient.CreateAsync(transport));
    }

    public async Task<bool> CallEchoAsync()
    {
        var result = await _client.CallToolAsync("demo_echo", EchoArguments);
        return result.IsError != true;
    }

    public ValueTask DisposeAsync() => _client.DisposeAsync();
}
