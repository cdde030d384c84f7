namespace OamOrleans;

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

    /// <summary>Every check name, in the order <see cref="IMeshHost.CheckReadiness"/> returns them.</summary>
    public static IReadOnlyList<string> Names { get; } = [Nats, Bridge, Agents, Silo];
}
