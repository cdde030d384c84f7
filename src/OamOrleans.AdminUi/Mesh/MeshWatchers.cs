using Microsoft.Extensions.Hosting;

namespace OamOrleans.AdminUi.Mesh;

/// <summary>Starts the watchers every page shares (live agents, usage totals) once the mesh session is connected.</summary>
internal sealed class MeshWatchers(MeshSession session, LiveAgents live, UsageTotals usage) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            var client = await session.ClientAsync(stoppingToken);
            await Task.WhenAll(live.RunAsync(client.Connection, stoppingToken), usage.RunAsync(client, stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
