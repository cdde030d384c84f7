namespace OamOrleans.Pipeline;

/// <summary>
/// The silo's stop as seen by handlers: cancelled once the bridge has drained (or given up draining after
/// <see cref="Hosting.MeshHostOptions.DrainTimeout"/>), so a handler still running learns through
/// <see cref="AgentContext.CancellationToken"/> that its silo is going away.
/// </summary>
internal sealed class AgentShutdown : IDisposable
{
    private readonly CancellationTokenSource _stopping = new();

    public CancellationToken Stopping => _stopping.Token;

    public void DrainEnded() => _stopping.Cancel();

    public void Dispose() => _stopping.Dispose();
}
