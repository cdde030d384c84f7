namespace OamOrleans;

/// <summary>
/// Whether this silo serves the mesh right now, one <see cref="MeshReadinessCheck"/> per condition. A web host maps it to
/// a readiness probe (<c>OamOrleans.Hosting.Web</c>: <c>/health/ready</c>); any other probe can call it too.
/// </summary>
public interface IMeshHostReadiness
{
    /// <summary>The checks in a fixed order: <see cref="MeshReadinessCheck.Nats"/>, <see cref="MeshReadinessCheck.Bridge"/>,
    /// <see cref="MeshReadinessCheck.Agents"/>, <see cref="MeshReadinessCheck.Silo"/>. Cheap: it reads state, it sends nothing.</summary>
    IReadOnlyList<MeshReadinessCheck> Check();
}

/// <summary>One condition of a silo's readiness, with a description an operator can act on.</summary>
/// <param name="Name">One of the constants of this type.</param>
/// <param name="IsReady">True while the condition holds.</param>
/// <param name="Description">What holds, or what is missing.</param>
public sealed record MeshReadinessCheck(string Name, bool IsReady, string Description)
{
    /// <summary>The silo's NATS connection is open.</summary>
    public const string Nats = "nats";

    /// <summary>Every invocable agent not behind a gate is subscribed to <c>mesh.agent.{name}</c>.</summary>
    public const string Bridge = "bridge";

    /// <summary>The agents are registered (registry, catalog, instance record): not before start-up finished, not after
    /// a NATS reconnect until re-registered, not once the silo stops.</summary>
    public const string Agents = "agents";

    /// <summary>The Orleans silo is Active.</summary>
    public const string Silo = "silo";

    /// <summary>Every check name, in the order <see cref="IMeshHostReadiness.Check"/> returns them.</summary>
    public static IReadOnlyList<string> Names { get; } = [Nats, Bridge, Agents, Silo];
}
