using System.Diagnostics.Metrics;

namespace OamOrleans.Client;

/// <summary>
/// The catalog writes of a <see cref="MeshRegistry"/> on meter <see cref="MeshTelemetry.MeterName"/>, counted in the
/// process that writes them (a silo, or <c>oam mesh health-monitor</c>), each with the agent name as <c>oam.agent</c>
/// (<see cref="MeshDiagnostics.Count"/>).
/// </summary>
internal static class RegistryMetrics
{
    /// <summary>Catalog entries written (at start and after a reconnect).</summary>
    public static readonly Counter<long> Registrations = MeshDiagnostics.Meter.CreateCounter<long>(
        "oam.agent.registrations", "{registration}", "Agents registered in the catalog");

    /// <summary>Catalog entries removed.</summary>
    public static readonly Counter<long> Deregistrations = MeshDiagnostics.Meter.CreateCounter<long>(
        "oam.agent.deregistrations", "{registration}", "Agents removed from the catalog");

    /// <summary>Death notices published on <c>mesh.death.{name}</c>.</summary>
    public static readonly Counter<long> DeathNotices = MeshDiagnostics.Meter.CreateCounter<long>(
        "oam.agent.death_notices", "{notice}", "Death notices published");
}
