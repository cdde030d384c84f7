namespace OamOrleans;

/// <summary>What this silo serves on the mesh — its instance id, NATS URL and hosted agent names — and whether it serves it right now.</summary>
public interface IMeshHost
{
    /// <summary>uuid hex; the NATS connection is named <c>oam-host-{InstanceId}</c>.</summary>
    string InstanceId { get; }

    /// <summary>The NATS URL the silo's bridge is connected to (credentials redacted).</summary>
    string Url { get; }

    /// <summary>The names of the agents this silo hosts (and registered in the catalog).</summary>
    IReadOnlyList<string> Agents { get; }

    /// <summary>
    /// Whether this silo serves the mesh right now, one <see cref="MeshReadinessCheck"/> per condition, in a fixed order:
    /// <see cref="MeshReadinessCheck.Nats"/>, <see cref="MeshReadinessCheck.Bridge"/>, <see cref="MeshReadinessCheck.Agents"/>,
    /// <see cref="MeshReadinessCheck.Silo"/>. Cheap: it reads state, it sends nothing. A web host maps it to a readiness
    /// probe (<c>OamOrleans.Hosting.Web</c>: <c>/health/ready</c>); any other probe can call it too.
    /// </summary>
    IReadOnlyList<MeshReadinessCheck> CheckReadiness();
}
