using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OamOrleans.Hosting;
using OamOrleans.Pipeline;
using OamOrleans.Protocol;

namespace OamOrleans.Bridge;

/// <summary>
/// Publishes one <see cref="HealthBeat"/> per hosted agent on <c>mesh.health.{name}</c> every
/// <see cref="MeshHostOptions.HeartbeatInterval"/>, from the counters the endpoints and the record step keep
/// (<see cref="AgentHealthCounters"/>). Started by the <see cref="MeshBridge"/> once the silo is registered and stopped
/// first when it stops, while the NATS connection is still open.
/// </summary>
internal sealed partial class AgentHeartbeat(SiloMeshConnection mesh, AgentEndpoints endpoints, MeshPublisher publisher, IOptions<MeshHostOptions> options, ILogger<AgentHeartbeat> logger) : IDisposable
{
    private readonly TimeSpan _interval = options.Value.HeartbeatInterval;
    private CancellationTokenSource? _stop;
    private Task? _loop;

    public void Start()
    {
        if (_interval <= TimeSpan.Zero || _loop is not null)
        {
            return; // disabled
        }

        _stop = new CancellationTokenSource();
        _loop = Task.Run(() => BeatAsync(_stop.Token), CancellationToken.None);
    }

    public async Task StopAsync()
    {
        if (_loop is not { } loop)
        {
            return;
        }

        await _stop!.CancelAsync();
        await loop;
        _stop.Dispose();
        _loop = null;
        _stop = null;
    }

    public void Dispose() => _stop?.Dispose();

    private async Task BeatAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(_interval);
        var intervalMs = (long)_interval.TotalMilliseconds;
        try
        {
            do
            {
                foreach (var agent in mesh.Agents)
                {
                    try
                    {
                        await publisher.HealthAsync(Beat(agent, intervalMs));
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        LogBeatFailed(logger, e, agent); // the next beat tries again
                    }
                }
            }
            while (await timer.WaitForNextTickAsync(ct));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // stopped
        }
    }

    private HealthBeat Beat(string agent, long intervalMs)
    {
        if (endpoints.Find(agent) is not { } endpoint)
        {
            // Takes no requests (a publisher) or not opened yet: alive, with nothing to count.
            return new HealthBeat(mesh.InstanceId, agent, intervalMs, 0, 0, 0, 0, 0, 0, null, MeshIds.Now());
        }

        var (requests, errors, avg, shed, lastError) = endpoint.Health.TakeWindow();
        return new HealthBeat(mesh.InstanceId, agent, intervalMs, endpoint.InFlight, endpoint.Queued, shed, requests, errors, avg, lastError, MeshIds.Now());
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing the heartbeat of agent '{Agent}' failed")]
    private static partial void LogBeatFailed(ILogger logger, Exception exception, string agent);
}
