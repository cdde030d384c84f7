namespace OamOrleans.Client;

public sealed partial class MeshClient
{
    private MeshObserve? _observe;

    /// <summary>
    /// Observability (<c>mesh-observability</c> levels per agent and global, and the <c>mesh.logs.*</c> tail): the
    /// reference's <c>mesh.observe</c>.
    /// </summary>
    public MeshObserve Observe => Volatile.Read(ref _observe) ?? Interlocked.CompareExchange(ref _observe, new MeshObserve(this), null) ?? _observe!;
}
