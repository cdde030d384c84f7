using Microsoft.Extensions.Hosting;

namespace OamOrleans.Mcp;

/// <summary>Fills the tool set before the MCP transports take requests, then lets it follow the catalog until stop.</summary>
internal sealed class MeshToolSetService(MeshToolSet tools) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => tools.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken)
    {
        tools.Stop();
        return Task.CompletedTask;
    }
}
